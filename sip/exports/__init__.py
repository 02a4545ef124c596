"""The report pack: PDF, slides, workbook and CSV/HXL files of the plan and its reports."""
import atexit
import shutil
import tempfile
from pathlib import Path


def init_app(app) -> None:
    """Mount the exports page, tell templates who may export, and set up building the pack ahead."""
    from sqlalchemy import case, func

    from sip.core.parts import watch
    from sip.exports import store
    from sip.exports.models import GlmHighlights
    from sip.exports.permissions import can_edit_highlights, can_export
    from sip.exports.views import bp
    from sip.governance.models import Amendment
    from sip.meetings.models import ActionPoint, Meeting

    instance = Path(app.config.get("SIP_INSTANCE_PATH") or app.instance_path)
    if not app.config.get("SIP_EXPORTS_DIR"):
        if app.testing:  # each test app keeps its files apart (the instance folder is shared)
            folder = tempfile.mkdtemp(prefix="sip-exports-")
            atexit.register(shutil.rmtree, folder, True)
            app.config["SIP_EXPORTS_DIR"] = folder
        else:
            app.config["SIP_EXPORTS_DIR"] = str(instance / "exports")
    app.config.setdefault("SIP_CHROMIUM_PROFILE", str(instance / "chromium"))
    app.register_blueprint(bp)
    from sip.plan import closed

    closed.owned(GlmHighlights, "period", "period_id", "period")  # a closed strategy's highlights stay as they were
    app.add_template_global(can_export)
    app.add_template_global(can_edit_highlights)
    # The pack also shows the highlights, the amendments waiting for the GLM and the last GLM's open action points:
    # their changes change the files (a point closed or opened again moves the sum of the open points' ids).
    watch(app, lambda: [func.count(GlmHighlights.id), func.max(GlmHighlights.updated_at),
                        func.count(Amendment.id), func.max(Amendment.sag_at), func.max(Amendment.glm_recorded_at),
                        func.count(ActionPoint.id), func.sum(case((ActionPoint.status == "open", ActionPoint.id),
                                                                  else_=0)),
                        func.count(Meeting.id), func.max(Meeting.starts_at)])
    store.connect_signals()
