"""The direct executor's way of saying it cannot answer a request exactly."""


class Declined(Exception):
    """This executor cannot answer exactly; run the reference executor instead."""
