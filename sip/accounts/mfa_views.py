"""Two-step sign-in pages: the code after the password, setting up the app, and one's own settings.

After a right password, a person with two-step sign-in (or who must set it up) is NOT signed in yet: the sign-in
waits in the session (user id, session token, time, where to go next) for a few minutes, and Flask-Login's
current_user stays anonymous until the code (or the set-up) is done.
"""
import hmac

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from sip.accounts import loader, mfa
from sip.accounts.forms import CodeForm
from sip.accounts.models import User
from sip.accounts.permissions import can_manage_own_mfa
from sip.core.audit import client_ip
from sip.core.security import safe_next
from sip.extensions import db

bp = Blueprint("mfa", __name__)

PENDING = "_mfa_pending"  # the sign-in waiting for its second step
ENROL_SECRET = "_mfa_secret"  # noqa: S105  session key of the secret being set up, until a code confirms it
# How long a sign-in waits for its second step: a code is typed in seconds; setting up an app takes longer.
PENDING_SECONDS = {"code": 5 * 60, "enrol": 15 * 60}
# What a signed-in person who must set up two-step sign-in may still reach before doing so.
ENROLMENT_EXEMPT = {"static", "mfa.enable", "mfa.code", "mfa.enrol", "accounts.logout", "core.healthz",
                    "dashboards_assets.plotly", "core.service_worker"}


# --- the sign-in waiting for its second step ------------------------------------------------------


def second_step(user: User, next_url: str | None):
    """After a right password (or a new one set from a link): None when the person may be signed in at once;
    otherwise their sign-in waits in the session and they are sent to enter a code, or to set up the app."""
    if user.has_mfa:
        step = "code"
    elif mfa.required_for(user):
        step = "enrol"
    else:
        return None
    from sip.accounts.views import _fresh_session  # views imports this module

    _fresh_session()  # whoever was signed in in this browser is not any more
    session[PENDING] = {"user": user.id, "token": user.session_token, "at": int(loader.now()),
                        "next": safe_next(next_url, ""), "step": step}
    return redirect(url_for(f"mfa.{step}"))


def _waiting(step: str):
    """(the person whose sign-in waits for `step`, None), or (None, where to send the reader instead)."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        if current_user.is_authenticated:
            return None, redirect(url_for("core.home"))
        return None, redirect(url_for("accounts.login", next=url_for("core.home")))
    if pending.get("step") != step and pending.get("step") in PENDING_SECONDS:
        return None, redirect(url_for(f"mfa.{pending['step']}"))
    user_id, started = pending.get("user"), pending.get("at")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    valid = (user is not None and user.active and isinstance(started, int)
             and hmac.compare_digest(user.session_token, str(pending.get("token")))
             and loader.now() - started < PENDING_SECONDS[step])
    if not valid:
        session.pop(PENDING, None)
        session.pop(ENROL_SECRET, None)
        flash(_("Your sign-in waited too long for its second step; sign in again."), "error")
        return None, redirect(url_for("accounts.login", next=pending.get("next") or url_for("core.home")))
    if step == "enrol" and user.has_mfa:  # set up meanwhile in another browser: a code will do
        session[PENDING] = {**pending, "step": "code"}
        return None, redirect(url_for("mfa.code"))
    return user, None


def _sign_in(user: User) -> str:
    """Sign the waiting person in (a fresh session); returns where they were going."""
    from sip.accounts.views import _start_session  # views imports this module

    next_url = session.get(PENDING, {}).get("next")
    _start_session(user)
    return safe_next(next_url, url_for("core.home"))


def _throttled(response_body, error: mfa.Throttled):
    """A 429 answer that says, in a header too, how long to wait."""
    return response_body, 429, {"Retry-After": str(error.retry_after)}


@bp.route("/login/code", methods=["GET", "POST"])
def code():
    """Second step of signing in: the code from the authenticator app, or a recovery code."""
    user, elsewhere = _waiting("code")
    if elsewhere:
        return elsewhere
    form = CodeForm()
    if form.validate_on_submit():
        try:
            method = mfa.verify(user, form.code.data, client_ip())
        except mfa.Throttled as error:
            return _throttled(render_template("accounts/login_code.html", form=form, error=str(error)), error)
        except mfa.MfaError as error:
            return render_template("accounts/login_code.html", form=form, error=str(error)), 401
        target = _sign_in(user)
        flash(_("Welcome, %(name)s.", name=user.name), "success")
        if method == "recovery":
            flash(_("You signed in with a recovery code, which now no longer works: %(count)d left. If you lost "
                    "your phone, set two-step sign-in up again from your account page.",
                    count=mfa.recovery_codes_left(user)), "info")
        return redirect(target)
    return render_template("accounts/login_code.html", form=form), (400 if form.errors else 200)


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol():
    """Second step of signing in for someone who must use two-step sign-in and has not set it up yet."""
    user, elsewhere = _waiting("enrol")
    if elsewhere:
        return elsewhere
    return _enrolment_page(user, signing_in=True)


def _enrolment_page(user: User, *, signing_in: bool):
    """Show the QR code and the secret; a right code turns two-step sign-in on and shows the recovery codes."""
    secret = session.get(ENROL_SECRET)
    if not isinstance(secret, str) or len(secret) != 32:
        secret = session[ENROL_SECRET] = mfa.new_secret()
    form = CodeForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            codes = mfa.confirm_enrolment(user, secret, form.code.data, client_ip())
        except mfa.Throttled as error:
            page = render_template("accounts/enrol.html", form=form, enrolment=mfa.enrolment(user, secret),
                                   error=str(error), required=mfa.required_for(user), signing_in=signing_in)
            return _throttled(page, error)
        except mfa.MfaError as problem:
            error, status = str(problem), 400
        else:
            session.pop(ENROL_SECRET, None)
            target = _sign_in(user) if signing_in else safe_next(request.args.get("next"), url_for("mfa.manage"))
            return _recovery_codes_page(codes, target, first=True)
    elif form.errors:
        status = 400
    return render_template("accounts/enrol.html", form=form, enrolment=mfa.enrolment(user, secret), error=error,
                           required=mfa.required_for(user), signing_in=signing_in), status


def _recovery_codes_page(codes: list[str], target: str, *, first: bool):
    """The recovery codes, shown this once (never stored in clear, never cached)."""
    page = render_template("accounts/recovery_codes.html", codes=codes, target=target, first=first)
    return page, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"}


# --- one's own two-step sign-in -----------------------------------------------------------------


def _me() -> User:
    """The signed-in person managing their own two-step sign-in (403 for anyone else)."""
    user = current_user._get_current_object()
    if not can_manage_own_mfa(user):
        abort(403)
    return user


def _manage_page(user: User, status: int = 200, *, error: str | None = None, error_at: str | None = None,
                 headers: dict | None = None):
    """The page where one sees whether two-step sign-in is on and changes it."""
    page = render_template("accounts/two_step.html", user=user, required=mfa.required_for(user),
                           codes_left=mfa.recovery_codes_left(user) if user.has_mfa else 0,
                           error=error, error_at=error_at)
    return page, status, headers or {}


@bp.get("/account/two-step")
@login_required
def manage():
    """Whether two-step sign-in is on, how many recovery codes are left, and buttons to change it."""
    return _manage_page(_me())


@bp.route("/account/two-step/enable", methods=["GET", "POST"])
@login_required
def enable():
    """Set up an authenticator app (required roles are sent here until they do)."""
    user = _me()
    if user.has_mfa:
        flash(_("Two-step sign-in is already on for your account."), "info")
        return redirect(url_for("mfa.manage"))
    return _enrolment_page(user, signing_in=False)


def _code_action(action: str, run):
    """Check the form's code and run `run(user, code)`; the manage page with the error when refused."""
    user = _me()
    form = CodeForm()
    if not form.validate_on_submit():
        return None, _manage_page(user, 400, error=_("Enter the code."), error_at=action)
    try:
        return run(user, form.code.data), None
    except mfa.Throttled as error:
        return None, _manage_page(user, 429, error=str(error), error_at=action,
                                  headers={"Retry-After": str(error.retry_after)})
    except mfa.MfaError as error:
        return None, _manage_page(user, 400, error=str(error), error_at=action)


@bp.post("/account/two-step/recovery-codes")
@login_required
def regenerate():
    """New recovery codes, after a current code from the app; the old ones stop working."""
    codes, refused = _code_action("regenerate", lambda user, code: mfa.regenerate_recovery_codes(user, code,
                                                                                                client_ip()))
    return refused or _recovery_codes_page(codes, url_for("mfa.manage"), first=False)


@bp.post("/account/two-step/disable")
@login_required
def disable():
    """Turn two-step sign-in off (not for the roles that require it), with a current code."""
    _done, refused = _code_action("disable", lambda user, code: mfa.disable(user, code, client_ip()))
    if refused:
        return refused
    flash(_("Two-step sign-in is off: you sign in with your password alone."), "success")
    return redirect(url_for("mfa.manage"))


# --- sending those who must to set it up -----------------------------------------------------------


def require_enrolment():
    """Before each request: a signed-in person who must use two-step sign-in but has not set it up (signed in
    before it was required, or made an administrator since) sets it up before anything else."""
    if "_user_id" not in session or request.endpoint in ENROLMENT_EXEMPT or request.endpoint is None:
        return None
    if not current_app.config.get("SIP_MFA_REQUIRED_ROLES") or g.get("sip_session_ended"):
        return None
    user = current_user
    if not user.is_authenticated or user.has_mfa or not mfa.required_for(user):
        return None
    flash(_("Your role requires two-step sign-in: set it up to continue."), "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("mfa.enable", next=target))
