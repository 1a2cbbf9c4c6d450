"""The rules of a group, without I/O: its name in an inbox, who becomes admin, role changes,
titles, and what an event item says."""

from __future__ import annotations

import pytest

from cruddur.domain import groups as rules
from cruddur.domain.groups import ADMIN, MEMBER, Group, Member
from cruddur.domain.model import GroupEvent
from cruddur.errors import Invalid, NotAdmin, NotFound


def member(name: str, role: str = MEMBER) -> Member:
    return Member(f"uuid-{name}", name, name.title(), role, "t", f"sk-{name}")


def group(*members: Member, title: str | None = None) -> Group:
    return Group("g", title, members, version=3, created_at="t")


@pytest.mark.parametrize(
    ("names", "count", "shown"),
    [
        (("Ada", "Bruno"), 3, "Ada and Bruno"),
        (("Ada",), 2, "Ada"),
        (("Ada", "Bruno", "Chen"), 4, "Ada, Bruno and 1 other"),
        (("Ada", "Bruno", "Chen"), 6, "Ada, Bruno and 3 others"),
        ((), 1, ""),
    ],
)
def test_a_group_without_a_title_is_named_for_its_members(names, count, shown):
    assert rules.row_name(None, names, count) == shown
    assert rules.row_name("Trip", names, count) == "Trip"


def test_the_longest_standing_member_becomes_admin_when_the_last_admin_leaves():
    ada, bruno, chen = member("ada", ADMIN), member("bruno"), member("chen")
    after = rules.without(group(ada, bruno, chen), ada.uuid)
    assert [(m.handle, m.role) for m in after.members] == [("bruno", ADMIN), ("chen", MEMBER)]
    assert after.version == 4
    # Another admin left: no one is promoted.
    two = rules.without(group(ada, member("bruno", ADMIN), chen), ada.uuid)
    assert [m.role for m in two.members] == [ADMIN, MEMBER]


def test_roles_keep_an_admin_and_only_admins_act():
    ada, bruno = member("ada", ADMIN), member("bruno")
    g = group(ada, bruno)
    with pytest.raises(Invalid):
        rules.with_role(g, ada.uuid, MEMBER)  # the last admin
    with pytest.raises(Invalid):
        rules.with_role(g, bruno.uuid, "owner")
    assert rules.with_role(g, bruno.uuid, ADMIN).member(bruno.uuid).role == ADMIN  # type: ignore[union-attr]
    with pytest.raises(NotAdmin):
        g.require_admin(bruno.uuid)
    with pytest.raises(NotFound):
        g.require_member("uuid-stranger")


def test_titles_are_one_clean_line_of_at_most_100_characters():
    assert rules.clean_title("  Book\n club  ") == "Book club"
    assert rules.clean_title(None) is None
    for bad in ("", "   ", "\u200b", "x" * 101, "bell\x07"):
        with pytest.raises(Invalid):
            rules.clean_title(bad)


def test_adding_keeps_the_order_of_joining_and_ignores_members_already_in():
    ada, bruno = member("ada", ADMIN), member("bruno")
    after = rules.with_added(group(ada), [bruno, ada])
    assert [m.handle for m in after.members] == ["ada", "bruno"]
    with pytest.raises(Invalid):
        rules.check_size(51, 50)
    rules.check_size(50, 50)


def test_what_each_event_says():
    said = {
        kind: rules.sentence(GroupEvent(kind, "t", title), "Ada", "Chen")
        for kind, title in [
            ("created", "Trip"),
            ("started", None),
            ("added", None),
            ("removed", None),
            ("left", None),
            ("erased", None),
            ("role", ADMIN),
            ("renamed", "Crew"),
        ]
    }
    assert said == {
        "created": "Ada started the group “Trip”",
        "started": "Ada started the conversation",
        "added": "Ada added Chen",
        "removed": "Ada removed Chen",
        "left": "Ada left",
        "erased": "A deleted account left",
        "role": "Ada made Chen an admin",
        "renamed": "Ada named the group “Crew”",
    }
    assert set(said) == set(rules.EVENT_KINDS)
