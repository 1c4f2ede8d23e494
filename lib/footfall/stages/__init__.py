"""The pipeline stages of METHOD 3-6: landing, ingest, origins, presence, extrapolation."""
