"""Privacy by construction: tokens (METHOD 3.1), disclosure control (METHOD 7), identifiers."""
