"""The validation rule behind `server.introspection: false`."""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, GraphQLError, ValidationRule, get_named_type, is_introspection_type

CODE = "INTROSPECTION_DISABLED"


class NoIntrospection(ValidationRule):
    """Refuses any field of an introspection type (`__schema`, `__type`); `__typename` is a
    plain string and stays allowed. Like graphql-core's NoSchemaIntrospectionCustomRule, with
    an error code a client can act on."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        named = get_named_type(self.context.get_type())
        if named is not None and is_introspection_type(named):
            self.report_error(
                GraphQLError(
                    f"Introspection is turned off on this server, and the query asks for "
                    f"{node.name.value!r}. Read the schema from its published SDL instead.",
                    node,
                    extensions={"code": CODE},
                )
            )
