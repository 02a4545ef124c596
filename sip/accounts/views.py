"""Login, logout, one's account, invitations and password resets."""
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from sip.accounts import loader, mfa_views, services, tokens
from sip.accounts.forms import LoginForm, NewPasswordForm, PasswordChangeForm, ProfileForm, ResetRequestForm
from sip.accounts.permissions import can_view_account, role_names
from sip.core.audit import client_ip
from sip.core.i18n import LANG_SESSION_KEY
from sip.core.security import safe_next

bp = Blueprint("accounts", __name__)


def _fresh_session() -> None:
    """Start a new session (nothing of the old one survives) but keep the reader's language."""
    language = session.get(LANG_SESSION_KEY)
    session.clear()
    if language:
        session[LANG_SESSION_KEY] = language


def _start_session(user) -> None:
    """Log the user in (the session's idle and absolute limits start now) and adopt their preferred language."""
    _fresh_session()
    login_user(user)
    loader.start_session_clock()
    if user.language:
        session[LANG_SESSION_KEY] = user.language


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with e-mail and password; throttled after repeated failures."""
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, url_for("core.home")))
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data, client_ip())
        if result.user:
            second = mfa_views.second_step(result.user, form.next.data)  # a code, or setting up the app, first
            if second is not None:
                return second
            _start_session(result.user)
            flash(_("Welcome, %(name)s.", name=result.user.name), "success")
            return redirect(safe_next(form.next.data, url_for("core.home")))
        if result.refusal == "throttled":
            message = services.throttled_message(result.retry_after)
            return render_template("accounts/login.html", form=form, error=message), 429, {
                "Retry-After": str(result.retry_after)}
        return render_template("accounts/login.html", form=form, error=_("Wrong e-mail address or password.")), 401
    return render_template("accounts/login.html", form=form), (400 if form.errors else 200)


@bp.post("/logout")
@login_required
def logout():
    """Sign out everywhere: every session of this user ends."""
    services.log_out(current_user._get_current_object())
    logout_user()
    _fresh_session()
    flash(_("You are signed out."), "success")
    response = redirect(url_for("core.home"))
    # Drafts, queued saves and reports kept for reading offline (static/js/field.js, sw.js) go with the person.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """One's profile (name, language, phone) and password."""
    user = current_user._get_current_object()
    if not can_view_account(user):
        abort(403)
    profile = ProfileForm(obj=user, prefix="profile")
    password = PasswordChangeForm(prefix="password")
    if request.method == "POST" and "profile-name" in request.form and profile.validate():
        services.update_profile(user, profile.name.data, profile.language.data, profile.phone.data)
        if user.language:
            session[LANG_SESSION_KEY] = user.language
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.account"))
    if request.method == "POST" and "password-new" in request.form and password.validate():
        try:
            services.change_password(user, password.current.data, password.new.data, client_ip())
        except services.Throttled as error:
            password.current.errors.append(str(error))
            return render_template("accounts/account.html", profile=profile, password=password,
                                   roles=role_names(user)), 429, {"Retry-After": str(error.retry_after)}
        except services.AccountError as error:
            password.new.errors.append(str(error))
        else:
            _start_session(user)  # the new session token ended the old session; keep this one going
            flash(_("Your password is changed. Other sessions are signed out."), "success")
            return redirect(url_for("accounts.account"))
    if request.method == "POST" and "profile-name" not in request.form and "password-new" not in request.form:
        flash(_("Nothing was saved: the form sent was empty or unreadable. Fill in your profile or your new "
                "password, then save."), "error")
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/account.html", profile=profile, password=password, roles=role_names(user)), status


def _new_password_page(purpose: str, token: str, title: str, action: str):
    """Shared page for choosing a password from an invitation or a reset link."""
    user = tokens.read_token(token, purpose)
    if user is None:
        return render_template("accounts/link_invalid.html"), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data, action=action)
        except services.AccountError as error:
            form.password.errors.append(str(error))
        else:
            second = mfa_views.second_step(user, None)  # a link never skips two-step sign-in
            if second is not None:
                flash(_("Your password is set. One more step to sign in."), "success")
                return second
            _start_session(user)
            flash(_("Your password is set. Welcome, %(name)s.", name=user.name), "success")
            return redirect(url_for("core.home"))
    status = 400 if form.errors else 200
    return render_template("accounts/new_password.html", form=form, title=title, user=user), status


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Set one's first password from an invitation link (works once)."""
    return _new_password_page("invite", token, _("Welcome to SIP Tracker"), "account.invitation_accepted")


@bp.route("/password-reset", methods=["GET", "POST"])
def request_reset():
    """Ask for a password reset link by e-mail."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, client_ip())  # the same answer, throttled or not
        flash(_("If this address belongs to an account, a link to reset its password is on its way."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form), (400 if form.errors else 200)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from a reset link (works once)."""
    return _new_password_page("reset", token, _("Choose a new password"), "account.password_reset")
