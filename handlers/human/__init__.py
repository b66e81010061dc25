"""人工: the secretariat's contact and opening hours, with the request kept as a ticket (handlers/tickets/).

chat.py          the answer to "人工" (registered by handlers/__init__.py)
office_hours.py  when the secretariat is next open, from content/society.toml
"""
