"""Click commands, one module per area; reviewer.cli assembles them."""
