"""Test helpers: the camera-service emulator and the pytest plugin."""
