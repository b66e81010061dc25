"""会员: joining, the member's own card and details, following the account, and the secretariat's roster.

signup.py        入会: individual and unit applications (registered by handlers/__init__.py)
profile.py       会员卡: binding, the card, contact updates (registered by handlers/__init__.py)
welcome.py       follows, QR follows, unfollows: whether a member can be reached (registered by handlers/__init__.py);
                 the reachable flag is the member's own record, so following is members' business
membership.py    what the CLI and the console both do with members: approvals, roster imports, wording
roster.py        the roster file: what each cell must hold and what an import changes
certificates.py  the electronic member certificate: its signed code, its verdict today, its image
"""
