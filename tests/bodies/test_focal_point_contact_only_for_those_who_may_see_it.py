"""A body's focal point is named to every reader of its page, but their e-mail and phone only to those who may see
someone's contact details (the secretariat, the person, someone sharing a body): never to an anonymous reader."""
from sip.bodies.queries import find_body
from sip.extensions import db
from tests.conftest import log_in
from tests.helpers import page_text

EMAIL = "fiona.focal@example.org"
PHONE = "+39 06 555 0101"


def name_focal_point(app, make_user) -> int:
    """Fiona Focal, member of no body, files the cluster's report."""
    person = make_user("Fiona Focal", email=EMAIL)
    with app.app_context():
        from sip.accounts.models import User

        db.session.get(User, person).phone = PHONE
        find_body("glc").focal_point_id = person
        db.session.commit()
    return person


def test_an_anonymous_reader_sees_the_focal_points_name_but_not_their_contact(seeded, client, make_user):
    name_focal_point(seeded, make_user)
    html = page_text(client.get("/bodies/glc?lang=en"))
    assert "Fiona Focal" in html
    assert EMAIL not in html and PHONE not in html


def test_a_signed_in_reader_sharing_no_body_does_not_see_the_focal_points_contact(seeded, client, make_user):
    name_focal_point(seeded, make_user)
    log_in(client, make_user(bodies=[("wg-training", "member")]))
    html = page_text(client.get("/bodies/glc?lang=en"))
    assert "Fiona Focal" in html
    assert EMAIL not in html and PHONE not in html


def test_the_secretariat_and_the_focal_point_see_the_contact(seeded, make_user):
    person = name_focal_point(seeded, make_user)
    for reader in (make_user(bodies=[("rome-support-team", "member")]), person):
        client = seeded.test_client()
        log_in(client, reader)
        html = page_text(client.get("/bodies/glc?lang=en"))
        assert EMAIL in html and PHONE in html
