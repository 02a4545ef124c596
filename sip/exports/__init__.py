"""The report pack: PDF, slides, workbook and CSV/HXL files of the plan and its reports."""


def init_app(app) -> None:
    """Mount the exports page and tell templates who may export."""
    from sip.exports.permissions import can_export
    from sip.exports.views import bp

    app.register_blueprint(bp)
    app.add_template_global(can_export)
