"""Running the batch under Prefect: the API server it talks to, and stopping on signals."""
