"""Backend-independent optimisation model: budget rows, then the MIP built from them."""
