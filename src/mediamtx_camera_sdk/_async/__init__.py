"""The asyncio/trio (anyio) client: ``CameraClient``, its transport and generated API."""
