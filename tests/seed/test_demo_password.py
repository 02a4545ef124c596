"""The demo's random passwords always pass the policy for the person they are made for."""
from seed import demo
from sip.accounts.passwords import password_problem


def test_a_demo_password_that_spells_the_address_is_drawn_again(app, monkeypatch):
    draws = iter(["I2demoY", "N0Picv", "v6GUuW", "Xk3pQz", "Lm9rTa", "Wb7yHe"])
    monkeypatch.setattr(demo.secrets, "token_urlsafe", lambda _n: next(draws))
    with app.test_request_context():
        password = demo.demo_password("viewer.demo@example.org", "Lena Müller")
        assert password == "Xk3pQz-Lm9rTa-Wb7yHe"
        assert password_problem(password, email="viewer.demo@example.org", name="Lena Müller") is None
