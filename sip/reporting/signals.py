"""Events of reporting that other domains may act on (the inbox notifies people); sent by the services inside the
transaction of the change, before its commit, so that whatever a receiver writes commits or rolls back with it.

Reporting imports no receiver: a domain that cares connects to these in its own init_app.
"""
from blinker import Namespace

signals = Namespace()

# sender: the GroupReport; keyword: actor (the User who acted, or None for the system)
report_submitted = signals.signal("report-submitted")
report_returned = signals.signal("report-returned")
report_accepted = signals.signal("report-accepted")
# sender: the ReportComment (its report, its `internal` flag); keyword: actor
report_commented = signals.signal("report-commented")
# sender: the ReportingPeriod just opened; keyword: actor
period_opened = signals.signal("period-opened")
