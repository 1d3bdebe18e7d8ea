"""pytest plugin (entry point ``pytest11``): fixtures for the camera-service emulator."""
