"""The dashboards: the SAG's, the GLM plenary's and one page per body, drawn with plotly."""


def init_app(app) -> None:
    """Mount the dashboards and the plotly.js they load."""
    from sip.dashboards.assets import bp as assets_bp
    from sip.dashboards.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(assets_bp)
