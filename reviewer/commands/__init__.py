"""Click commands, one module per area; reviewer.cli assembles them."""

# The largest integer SQLite stores: a larger option value would reach it as OverflowError.
SQL_INT_MAX = 2**63 - 1
