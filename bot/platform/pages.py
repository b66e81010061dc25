"""Member pages (bot/pages/) of the societies the platform serves: /m/<appid>/... .

Every page of /m/ is served a second time under its society's AppID (/m/<appid>/centre ...,
the same views), when the platform is on. The AppID in the path says whose store the page
reads: the request enters that society (bot/platform/scope.py) before anything else, so
`db()` is its own file and the page session, its Redis key and its cookie are the society's
(a session of one society is not a session of another). A reverse proxy sharding societies
by AppID routes these URLs like /wechat/<appid>.

Who the member is comes from the platform's web authorisation on the society's behalf
(代公众号网页授权): wechatpy's ComponentOAuth, `appid` the society's and `component_appid`
the platform's; the code is exchanged at sns/oauth2/component/access_token with the component
token (shared in Redis, bot/platform/component.py), and a code WeChat issued for another
account is refused there. The openid it gives is the member's openid with this society's account.
"""
from __future__ import annotations

from werkzeug.routing import BaseConverter, Rule
from wechatpy.component import ComponentOAuth
from wechatpy.utils import ObjectDict

from bot.config import Config
from bot.platform.component import PlatformComponent
from storage.societies import APPID_PATTERN

PAGES_PREFIX = "/m"


class AppIdConverter(BaseConverter):
    """`<appid:society>`: WeChat's AppID form only (wx + 16), so it never takes a page's own path."""

    regex = APPID_PATTERN.pattern
    part_isolating = True


def mount_society_pages(app) -> None:
    """Each /m/... rule again as /m/<appid>/...: url_for gives the society's URL when it is given a
    `society` (bot/pages/auth.py fills it in on a society's page), the single account's otherwise."""
    app.url_map.converters["appid"] = AppIdConverter
    for rule in [r for r in app.url_map.iter_rules() if r.endpoint.startswith("pages.")]:
        path = PAGES_PREFIX + "/<appid:society>" + rule.rule.removeprefix(PAGES_PREFIX)
        app.url_map.add(Rule(path, endpoint=rule.endpoint, methods=rule.methods, defaults=rule.defaults,
                             strict_slashes=rule.strict_slashes))


def society_page_path(appid: str, path: str) -> str:
    """A single-account page path (/m/dues) as the society's (/m/<appid>/dues)."""
    return f"{PAGES_PREFIX}/{appid}/{path.removeprefix(PAGES_PREFIX).lstrip('/')}"


class SocietyOAuth(ComponentOAuth):
    """wechatpy's component OAuth pointed at the configured hosts, every call with a timeout, and
    the component token shared in Redis (PlatformComponent). The stand-in of development has no
    component token; it takes any."""

    def __init__(self, config: Config, component: PlatformComponent | None, redirect_uri: str,
                 state_value: str, oauth_base: str, api_base: str):
        if component is None:  # development's stand-in authorisation
            component = ObjectDict(component_appid=config.component_app_id, access_token="standin",
                                   auto_retry=False)
        super().__init__(config.app_id, component=component)
        self.OAUTH_BASE_URL, self.API_BASE_URL = oauth_base, api_base
        self.timeout = config.api_timeout_seconds
        self.authorize_url = self.get_authorize_url(redirect_uri, "snsapi_base", state_value)

    def _request(self, method, url_or_endpoint, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return super()._request(method, url_or_endpoint, **kwargs)
