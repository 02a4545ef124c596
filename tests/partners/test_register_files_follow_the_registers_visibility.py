"""The register's files (CSV and XLSX) follow the register itself: with the plan not public, anyone signed in may
download them, and an anonymous visitor is asked to sign in."""
import pytest

from tests.conftest import log_in


@pytest.mark.parametrize("path", ["/partners/register.csv", "/partners/register.xlsx"])
def test_with_the_plan_not_public_a_signed_in_reader_downloads_the_register(seeded, client, make_user, path):
    seeded.config["SIP_PUBLIC_PLAN"] = False
    assert client.get(path).status_code == 302  # the control: anonymous, asked to sign in
    log_in(client, make_user())
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
