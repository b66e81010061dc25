"""Every capability of the bot, one module each.

Importing this package registers each module's intents, menu keys, events
and flow steps (see `bot/registry.py`). To add a capability, add a module
and one line here.
"""
from handlers import cancel, feedback, help, human, welcome  # noqa: F401
from handlers import fees  # noqa: F401
from handlers import profile, signup  # noqa: F401
from handlers import news, subscriptions  # noqa: F401
from handlers import awards, events, tickets  # noqa: F401
from handlers import jobs  # noqa: F401
