"""The blocking client: ``SyncCameraClient``, its transport and generated API."""
