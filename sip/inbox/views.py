"""Notification pages: the person's list, opening an item, marking all read, e-mail choices, one-click unsubscribe."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from sip.core.pagination import requested_page
from sip.extensions import csrf, db
from sip.inbox import mails, permissions, services
from sip.inbox.events import KINDS
from sip.inbox.forms import SettingsForm

bp = Blueprint("inbox", __name__, url_prefix="/notifications")


def unread_notifications() -> int:
    """For the header: how many notifications the signed-in person has not read (one query per page, 0 when
    signed out)."""
    if not getattr(current_user, "is_authenticated", False):
        return 0
    if "unread_notifications" not in g:
        try:
            g.unread_notifications = services.unread_count(current_user)
        except SQLAlchemyError:  # an error page rendered after a database failure must still render its header
            db.session.rollback()
            g.unread_notifications = 0
    return g.unread_notifications


@bp.get("")
@login_required
def index():
    """The person's notifications, newest first, unread ones marked."""
    if not permissions.can_view_notifications(current_user):
        abort(403)
    page = services.notifications_page(current_user, requested_page())
    return render_template("inbox/notifications.html", page=page, text=services.text, open_url=services.open_url)


@bp.get("/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    """Mark a notification read and go to the page it is about (a plain link, so it opens in a new tab too)."""
    notification = services.find(current_user, notification_id)
    if notification is None:
        abort(404)  # someone else's notification is as unknown as a missing one
    if not permissions.can_open_notification(current_user, notification):
        abort(403)
    services.mark_read(current_user, notification)
    return redirect(services.target_url(notification))


@bp.post("/read")
@login_required
def mark_all_read():
    """Mark every notification of the person read."""
    if not permissions.can_view_notifications(current_user):
        abort(403)
    count = services.mark_all_read(current_user)
    flash(ngettext("%(num)d notification marked read.", "%(num)d notifications marked read.", count) if count
          else _("Nothing was unread."), "success")
    return redirect(url_for("inbox.index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Choose, for each kind of notification, whether it comes by e-mail at once, in a daily digest, or never."""
    if not permissions.can_choose_notification_mails(current_user):
        abort(403)
    form = SettingsForm(data=services.preferences(current_user))
    if request.method == "POST":
        form = SettingsForm()
        if not form.validate():
            return render_template("inbox/settings.html", form=form, kinds=KINDS), 400
        services.save_preferences(current_user, form.chosen())
        flash(_("Your e-mail choices are saved."), "success")
        return redirect(url_for("inbox.settings"))
    return render_template("inbox/settings.html", form=form, kinds=KINDS)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
# Exempt from CSRF on purpose: RFC 8058 one-click unsubscribe is a POST sent by the reader's mail client, which
# has no session and no CSRF token. The signed, expiring token in the address is the proof, and all it can do is
# stop e-mails of one kind for the one person it names.
@csrf.exempt
def unsubscribe(token: str):
    """GET: ask to confirm stopping one kind of e-mail; POST (our button or the mail client): stop it."""
    found = mails.read_unsubscribe_token(token)
    if found is None or not services.person_exists(found[0]):
        return render_template("inbox/unsubscribe.html", state="invalid"), 410
    user_id, kind = found
    label = _("daily digests") if kind == mails.DIGEST else str(KINDS[kind].label)
    if request.method == "GET":
        return render_template("inbox/unsubscribe.html", state="confirm", label=label, token=token)
    services.unsubscribe(user_id, kind)
    return render_template("inbox/unsubscribe.html", state="done", label=label)
