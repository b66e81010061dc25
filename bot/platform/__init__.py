"""One deployment for many societies' official accounts: the WeChat third-party platform (第三方平台).

- storage/societies.py: the registry of societies (AppID, name, authorisation, its own SQLite file);
- storage/accounts.py: the account being served, and so its Redis namespace and queue names;
- component.py: the platform's own calls (ticket, component token, pre-auth code, authorisation);
- accounts.py: one society's services, its API client (authoriser token), the workers' queues;
- routes.py: the authorisation event URL, the authorisation link and return, `/wechat/<appid>`.

Off unless WECHAT_COMPONENT_* are set (or PLATFORM_DEMO=1 in development): one account, as always.
"""
