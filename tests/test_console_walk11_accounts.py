"""Console walk 11, #23: a 秘书处工作人员 created with a 所属单位会员 chosen was accepted and the unit dropped."""
from __future__ import annotations

from storage.admin import find_user_by_name
from tests.admin_data import PASSWORD
from tests.test_admin import log_in, page, post, units, users  # noqa: F401  (fixtures)


def test_a_unit_chosen_for_a_secretariat_account_is_refused_not_dropped(client, users, db, units):
    assert log_in(client, "admin1").status_code == 302
    refused = post(client, "/admin/users/", {"username": "孙会计", "password": PASSWORD + "x9", "role": "staff",
                                             "unit_no": units[0]["unit_no"]})
    assert refused.status_code == 400 and "只有单位联系人账号才选" in page(refused)
    assert find_user_by_name(db, "孙会计") is None
