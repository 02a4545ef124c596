"""Personal data: the data-protection page, a person's copy of their data, anonymisation of accounts deactivated
too long ago (`sip anonymise`) and erasure on request, each keeping a pseudonym on reports and audit entries."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sip.accounts import privacy, services as accounts
from sip.accounts.models import LoginAttempt, RecoveryCode, User
from sip.api.models import ApiToken, PersonalDataRemoval
from sip.api.services import create_token
from sip.core.models import AuditEntry, OutboxMail, utcnow
from sip.extensions import db
from tests.conftest import log_in
from tests.helpers import page_text


@pytest.fixture
def people(seeded, make_user):
    """The secretariat, a working-group member who leaves (with a phone, a token, mail and sign-in records), and a
    colleague: ids by role."""
    ids = {"secretariat": make_user("Sara Secretariat", bodies=[("rome-support-team", "member")]),
           "leaver": make_user("Lea Leaver", email="lea.leaver@ngo.example", bodies=[("wg-training", "member")]),
           "colleague": make_user("Carl Colleague", email="carl@ngo.example", bodies=[("wg-training", "lead")])}
    with seeded.app_context():
        leaver = db.session.get(User, ids["leaver"])
        leaver.phone = "+41 22 555 01 02"
        db.session.add(RecoveryCode(user_id=leaver.id, code_hash="x" * 64))
        db.session.add(LoginAttempt(kind="sign_in", email=leaver.email, ip="10.0.0.9", success=False, user_id=leaver.id))
        db.session.add(OutboxMail(kind="reminder", to_address=leaver.email, subject="Reminder", body="Hello Lea"))
        db.session.commit()
        create_token(leaver, "my script", 30)
        accounts.update_profile(leaver, "Lea Leaver", "fr", "+41 22 555 01 02")
    return ids


def deactivate(app, user_id: int, actor_id: int, days_ago: int) -> None:
    """Deactivate a person through the service, as if `days_ago` days ago."""
    with app.app_context():
        accounts.set_active(db.session.get(User, user_id), False, db.session.get(User, actor_id))
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.deactivated",
                                                           AuditEntry.entity_id == str(user_id)))
        entry.at = utcnow() - timedelta(days=days_ago)
        db.session.commit()


def identity_left(app, user_id: int) -> str:
    """Everything about the person that still mentions their name, address or phone (empty when forgotten)."""
    with app.app_context():
        found = []
        user = db.session.get(User, user_id)
        found += [v for v in (user.name, user.email, user.phone) if v and ("Lea" in v or "lea." in v or "555" in v)]
        for entry in db.session.scalars(select(AuditEntry)):
            text = json.dumps([entry.before, entry.after])
            if "lea.leaver" in text or "Lea Leaver" in text or "555 01 02" in text:
                found.append(entry.action)
        found += [m.to_address for m in db.session.scalars(select(OutboxMail)) if "lea.leaver" in m.to_address]
        found += [a.email for a in db.session.scalars(select(LoginAttempt)) if "lea.leaver" in a.email]
        return ", ".join(found)


# --- anonymisation after deactivation -----------------------------------------------------------------------------


def test_an_account_deactivated_longer_than_the_limit_is_anonymised_under_a_pseudonym(seeded, people):
    deactivate(seeded, people["leaver"], people["secretariat"], days_ago=400)
    with seeded.app_context():
        names = privacy.anonymise_expired()
    assert names == [f"Former member {people['leaver']}"]
    assert identity_left(seeded, people["leaver"]) == ""
    with seeded.app_context():
        user = db.session.get(User, people["leaver"])
        assert (user.name, user.active, user.password_hash, user.phone) == (names[0], False, None, None)
        for model in (ApiToken, RecoveryCode):
            assert db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user.id)) == 0
        removal = db.session.scalar(select(PersonalDataRemoval))
        assert (removal.user_id, removal.reason, removal.pseudonym) == (user.id, "retention", names[0])
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.anonymised"))
        assert entry.entity_id == str(user.id) and entry.after["pseudonym"] == names[0]
        # what they did stays theirs, under the pseudonym, without their client address
        own = list(db.session.scalars(select(AuditEntry).where(AuditEntry.user_id == user.id)))
        assert own and all(e.ip is None for e in own)


def test_an_account_deactivated_recently_or_reactivated_is_kept(seeded, people):
    deactivate(seeded, people["leaver"], people["secretariat"], days_ago=100)
    deactivate(seeded, people["colleague"], people["secretariat"], days_ago=500)
    with seeded.app_context():
        accounts.set_active(db.session.get(User, people["colleague"]), True,
                            db.session.get(User, people["secretariat"]))
        assert privacy.anonymise_expired() == []
        assert db.session.get(User, people["leaver"]).email == "lea.leaver@ngo.example"


def test_the_limit_is_a_setting(seeded, people):
    deactivate(seeded, people["leaver"], people["secretariat"], days_ago=40)
    seeded.config["SIP_ANONYMISE_AFTER_DAYS"] = 30
    with seeded.app_context():
        assert len(privacy.anonymise_expired()) == 1


def test_sip_anonymise_runs_from_the_command_line_and_twice_changes_nothing_more(seeded, people):
    deactivate(seeded, people["leaver"], people["secretariat"], days_ago=400)
    runner = seeded.test_cli_runner()
    first = runner.invoke(args=["sip", "anonymise"])
    assert first.exit_code == 0 and f"1 account(s) anonymised: Former member {people['leaver']}." in first.output
    second = runner.invoke(args=["sip", "anonymise"])
    assert "0 account(s) anonymised." in second.output
    assert "anonymise" in [c for c in runner.invoke(args=["sip", "--help"]).output.split()]


def test_sip_anonymise_takes_another_limit_on_the_command_line(seeded, people):
    deactivate(seeded, people["leaver"], people["secretariat"], days_ago=20)
    result = seeded.test_cli_runner().invoke(args=["sip", "anonymise", "--after-days", "10"])
    assert "1 account(s) anonymised" in result.output


def test_the_worker_knows_the_daily_anonymisation():
    from sip.core.queue import PERIODIC

    assert "privacy.anonymise" in {job.name for job in PERIODIC}


# --- erasure on request -------------------------------------------------------------------------------------------


def test_the_secretariat_erases_a_person_on_request_from_their_admin_page(seeded, people):
    client = seeded.test_client()
    log_in(client, people["secretariat"])
    page = page_text(client.get(f"/admin/people/{people['leaver']}"))
    assert "Erase on request" in page
    response = client.post(f"/admin/people/{people['leaver']}/erase",
                           data={"confirm": "y", "rationale": "E-mail of 3 March to the secretariat"},
                           follow_redirects=True)
    pseudonym = f"Former member {people['leaver']}"
    assert f"now say “{pseudonym}”" in page_text(response)
    assert identity_left(seeded, people["leaver"]) == ""
    with seeded.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.erased"))
        assert (entry.user_id, entry.rationale) == (people["secretariat"], "E-mail of 3 March to the secretariat")
        assert db.session.scalar(select(PersonalDataRemoval.reason)) == "request"
    assert "personal data has been removed" in page_text(client.get(f"/admin/people/{people['leaver']}"))


def test_an_erasure_without_confirmation_changes_nothing(seeded, people):
    client = seeded.test_client()
    log_in(client, people["secretariat"])
    response = client.post(f"/admin/people/{people['leaver']}/erase", data={"rationale": "asked"})
    assert response.status_code == 303
    with seeded.app_context():
        assert db.session.get(User, people["leaver"]).email == "lea.leaver@ngo.example"
        assert db.session.scalar(select(func.count()).select_from(PersonalDataRemoval)) == 0


def test_nobody_erases_themselves_nor_twice(seeded, people):
    with seeded.app_context():
        actor = db.session.get(User, people["secretariat"])
        with pytest.raises(privacy.PrivacyError):
            privacy.erase_on_request(actor, actor, "asked")
        privacy.erase_on_request(actor, db.session.get(User, people["leaver"]), "asked")
        with pytest.raises(privacy.PrivacyError):
            privacy.erase_on_request(actor, db.session.get(User, people["leaver"]), "asked again")


def test_a_lead_may_not_erase_anyone(seeded, people):
    client = seeded.test_client()
    log_in(client, people["colleague"])
    assert client.post(f"/admin/people/{people['leaver']}/erase",
                       data={"confirm": "y", "rationale": "x"}).status_code == 403


# --- one's own copy -----------------------------------------------------------------------------------------------


def test_a_person_downloads_everything_the_app_holds_about_them(seeded, people):
    client = seeded.test_client()
    log_in(client, people["leaver"])
    assert "Download my data" in page_text(client.get("/account?lang=en"))
    response = client.get("/account/my-data.json")
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "lea.leaver@ngo.example" and data["account"]["phone"] == "+41 22 555 01 02"
    assert {"membership", "api_token", "recovery_code"} <= set(data["tables"])
    assert data["tables"]["membership"][0]["role"] == "member"
    text = json.dumps(data)
    for secret in ("password_hash", "session_token", "totp_secret", "code_hash", "token_hash"):
        assert secret not in text
    assert "account.updated" in {e["action"] for e in data["tables"]["audit_entry_about_you"]}


def test_the_copy_masks_other_peoples_contact_details(seeded, people):
    with seeded.app_context():
        leaver = db.session.get(User, people["leaver"])
        from sip.core import audit

        audit.record("note.written", "note", 1, after={"text": "Call carl@ngo.example or +41 22 555 99 88"},
                     user_id=leaver.id)
        db.session.commit()
        data = privacy.my_data(leaver)
    text = json.dumps(data)
    assert "carl@ngo.example" not in text and "555 99 88" not in text and "lea.leaver@ngo.example" in text


def test_the_data_protection_page_says_what_is_kept_why_and_for_how_long(seeded):
    seeded.config["SIP_ANONYMISE_AFTER_DAYS"] = 400
    text = page_text(seeded.test_client().get("/privacy"))
    for words in ("E-mail address and phone", "Who sees it", "How long", "400 days after deactivation",
                  "IASC Operational Guidance"):
        assert words in text
