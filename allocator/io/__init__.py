"""Reading and writing files; no solver code here."""
