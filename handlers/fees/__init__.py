"""会费: dues a member owes and pays, and event fees paid online.

chat.py        what the member asks: paid-through date, amount due, how to pay, history (registered by handlers/__init__.py)
dues.py        dues arithmetic: membership years, paid-through dates, standing, the fee schedule
payments.py    recording a payment: its receipt and the paid-through date it gives, once, in one transaction
statements.py  bank statements and payment sheets matched to payers and recorded once
online.py      dues and event fees paid with WeChat Pay: the order, the payment recorded exactly once
reconcile.py   WeChat Pay's daily bill against the orders recorded here
reminders.py   the periodic job: dues reminders, each queued once
"""
