"""Each person's inbox: what needs them now on their home page, and notifications in the app and by e-mail."""


def init_app(app) -> None:
    """Mount the inbox pages, subscribe to the events that notify people, and put each person's work on the home page."""
    # notifications (helper E1): blueprint, event subscriptions, template globals, the digest command
    from sip.inbox import events
    from sip.inbox.views import bp, unread_notifications

    app.register_blueprint(bp)
    events.connect()
    app.add_template_global(unread_notifications, "unread_notifications")
    from sip.inbox.cli import register as register_cli

    register_cli(app)
    from sip.inbox.home import install as install_home  # home (E2): "what needs me now" on the home page

    install_home(app)
