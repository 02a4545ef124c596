"""People, their accounts, organisations and memberships; signing in and administration."""
from flask_babel import lazy_gettext as _l

ROLE_NAMES = {
    "secretariat": _l("Rome support team (secretariat)"),
    "sag": _l("SAG member"),
    "lead": _l("Working-group lead"),
    "member": _l("Working-group member"),
    "viewer": _l("Viewer"),
}


def init_app(app) -> None:
    """Check sessions' age, mount the account and administration pages and give templates the accounts' labels and checks."""
    from sip.accounts import loader
    from sip.accounts.admin_views import bp as admin_bp
    from sip.accounts.audit_views import bp as audit_bp
    from sip.accounts.mfa_views import bp as mfa_bp
    from sip.accounts.mfa_views import require_enrolment
    from sip.accounts.models import MEMBERSHIP_ROLES, ORGANISATION_KINDS, ORGANISATION_TYPES
    from sip.accounts.passwords import MIN_LENGTH
    from sip.accounts.permissions import can_administer, can_reset_mfa
    from sip.accounts.tokens import MAX_AGE
    from sip.accounts.views import bp as accounts_bp
    from sip.core.templating import label_filter

    loader.init_app(app)  # sessions end after their idle and absolute limits
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(mfa_bp)
    app.before_request(require_enrolment)  # after the session-age check: the secretariat sets up two-step sign-in
    app.register_blueprint(audit_bp)
    app.add_template_filter(label_filter(MEMBERSHIP_ROLES), "membership_role")
    app.add_template_filter(label_filter(ORGANISATION_KINDS), "organisation_kind")
    app.add_template_filter(lambda kind: ORGANISATION_TYPES.get(kind, kind or ""), "organisation_type")
    app.add_template_global(label_filter(ROLE_NAMES), "role_name")
    app.add_template_global(can_administer)
    app.add_template_global(can_reset_mfa)
    app.add_template_global(MIN_LENGTH, "PASSWORD_MIN_LENGTH")
    app.add_template_global(MAX_AGE["invite"] // 86400, "INVITATION_DAYS")
    from sip.accounts.recovery_cli import register as register_recovery_cli

    register_recovery_cli(app)  # sip reset-link, resend-invitation, unlock, deactivate
