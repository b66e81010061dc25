"""The society registry: each society's data in its own SQLite file, authorisations kept, nothing deleted."""
from __future__ import annotations

import pytest

from storage import societies
from storage.members import find_member_by_openid, insert_member

HENAN_CHEM = "wx11112222333344aa"
HENAN_AGRI = "wx5555666677778888"


@pytest.fixture
def registry(config):
    db = societies.open_registry(societies.registry_path(config.data_dir))
    yield db
    db.close()


def test_each_society_keeps_its_members_in_its_own_file(registry):
    societies.register_society(registry, HENAN_CHEM, "河南省化学会")
    societies.register_society(registry, HENAN_AGRI, "河南省农学会")
    chem = societies.open_society_database(registry, HENAN_CHEM)
    agri = societies.open_society_database(registry, HENAN_AGRI)
    insert_member(chem, {"member_no": "C0001", "openid": "o-chem-1", "name": "王芳", "category": "regular"},
                  actor="test")

    assert find_member_by_openid(chem, "o-chem-1")["name"] == "王芳"
    assert find_member_by_openid(agri, "o-chem-1") is None
    paths = {s["appid"]: s["database_path"] for s in societies.list_societies(registry)}
    assert paths[HENAN_CHEM] != paths[HENAN_AGRI]
    assert HENAN_CHEM in paths[HENAN_CHEM]
    assert "members" not in registry.table_names()  # the registry holds no society's data
    chem.close()
    agri.close()


def test_authorisation_revocation_and_history(registry):
    societies.register_society(registry, HENAN_CHEM, "河南省化学会")
    assert societies.find_society_by_appid(registry, HENAN_CHEM)["status"] == societies.PENDING

    societies.record_authorization(registry, HENAN_CHEM, "refresh@@@1", [{"funcscope_category": {"id": 1}}],
                                   user_name="gh_aaaaaaaaaaaa")
    found = societies.find_society_by_appid(registry, HENAN_CHEM)
    assert found["status"] == societies.AUTHORIZED
    assert found["authorizer_refresh_token"] == "refresh@@@1"
    assert societies.list_societies(registry, societies.AUTHORIZED)[0]["appid"] == HENAN_CHEM

    assert societies.revoke_authorization(registry, HENAN_CHEM) is True
    assert societies.revoke_authorization(registry, HENAN_CHEM) is False  # WeChat repeats its events
    found = societies.find_society_by_appid(registry, HENAN_CHEM)
    assert found["status"] == societies.REVOKED and found["authorizer_refresh_token"] is None
    assert [h["change"] for h in societies.society_history(registry, HENAN_CHEM)] == [
        "registered", "authorized", "revoked"]
    # the data stays readable for export and backup
    societies.open_society_database(registry, HENAN_CHEM).close()


def test_an_account_authorising_before_registration_is_registered(registry):
    societies.record_authorization(registry, HENAN_AGRI, "refresh@@@2", name="河南省农学会")
    assert societies.find_society_by_appid(registry, HENAN_AGRI)["name"] == "河南省农学会"


@pytest.mark.parametrize("appid", ["../../etc", "wx123", "wx1111222233334444/..", "", "WX11112222333344aa"])
def test_what_is_not_an_appid_never_becomes_a_path(registry, appid):
    with pytest.raises(societies.InvalidAppId):
        societies.register_society(registry, appid, "某学会")
    assert societies.list_societies(registry) == []


def test_an_unknown_society_has_no_database(registry):
    with pytest.raises(societies.UnknownSociety):
        societies.open_society_database(registry, HENAN_CHEM)


def test_reopening_the_registry_keeps_it(config, registry):
    societies.register_society(registry, HENAN_CHEM, "河南省化学会")
    again = societies.open_registry(societies.registry_path(config.data_dir))
    assert [s["name"] for s in societies.list_societies(again)] == ["河南省化学会"]
    again.close()
