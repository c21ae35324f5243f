"""The validation rule behind `server.introspection: false`."""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, GraphQLError, ValidationRule

CODE = "INTROSPECTION_DISABLED"
# The only ways into the introspection types; `__typename` is a plain string and stays.
ENTRY_POINTS = frozenset({"__schema", "__type"})


class NoIntrospection(ValidationRule):
    """Refuses `__schema` and `__type`, with an error code a client can act on."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.name.value in ENTRY_POINTS:
            self.report_error(
                GraphQLError(
                    f"Introspection is turned off on this server, and the query asks for "
                    f"{node.name.value!r}. Read the schema from its published SDL instead.",
                    node,
                    extensions={"code": CODE},
                )
            )
