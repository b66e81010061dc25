"""电子会讯: the newsletter items a member reads in chat, and the topics he subscribes to.

chat.py           latest items, per topic, resolutions, the inbox (registered by handlers/__init__.py)
subscriptions.py  订阅 / 退订 / 我的订阅: which topics reach the member (registered by handlers/__init__.py);
                  the topics and their subscribers are news's own (storage/news.py), so this is news too
items.py          an item file (TOML front matter + Markdown): reading, checking, what a member sees
"""
