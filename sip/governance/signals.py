"""Events of plan governance that other domains may act on (the inbox notifies people); sent by the services inside
the transaction of the change, before its commit, so that whatever a receiver writes commits or rolls back with it.

Governance imports no receiver: a domain that cares connects to these in its own init_app.
"""
from blinker import Namespace

signals = Namespace()

# sender: the Strategy; keywords: amendments (the list proposed together, at least one), actor
amendments_proposed = signals.signal("amendments-proposed")
# sender: the Amendment; keyword: actor
amendment_endorsed = signals.signal("amendment-endorsed")
# sender: the Amendment; keywords: actor, by ("sag" or "glm")
amendment_rejected = signals.signal("amendment-rejected")
# sender: the Amendment just applied to the plan; keyword: actor
amendment_verified = signals.signal("amendment-verified")
