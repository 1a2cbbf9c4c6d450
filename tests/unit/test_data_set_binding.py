"""Which wrapped keys a data set accepts: its own, and those made before data sets had a name
(bound to the table's name then, which was the data set's)."""

from cruddur.adapters.dynamodb.stores.data_keys import _binds, message_key_context

EXPECTED = {**message_key_context("cruddur-messages"), "key_id": "01"}


def test_a_key_of_this_data_set_and_id_binds():
    assert _binds(dict(EXPECTED), EXPECTED)


def test_another_data_set_or_key_id_does_not():
    assert not _binds({**EXPECTED, "data_set": "other"}, EXPECTED)
    assert not _binds({**EXPECTED, "key_id": "02"}, EXPECTED)
    assert not _binds({"purpose": EXPECTED["purpose"], "key_id": "01"}, EXPECTED)


def test_a_key_wrapped_for_the_table_of_the_same_name_binds_and_another_table_does_not():
    legacy = {"purpose": EXPECTED["purpose"], "table": "cruddur-messages", "key_id": "01"}
    assert _binds(legacy, EXPECTED)
    assert not _binds({**legacy, "table": "restored-copy"}, EXPECTED)
