"""诉求: what members ask of the secretariat, as numbered tickets, and the answers they get.

feedback.py  意见建议: a suggestion or complaint becomes a numbered ticket (registered by handlers/__init__.py);
             it makes a ticket, so it is tickets', as 人工 (handlers/human/) puts its requests in the same queue
chat.py      我的诉求: a member's own tickets and their answers (registered by handlers/__init__.py)
replies.py   answering and closing a ticket, recorded first, then told to the member
"""
