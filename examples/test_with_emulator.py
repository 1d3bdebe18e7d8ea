"""Testing an application with the emulator's pytest fixtures (run with pytest)."""

from mediamtx_camera_sdk import SyncCameraClient


def count_connected(url, token):
    with SyncCameraClient(url=url, auth_token=token) as client:
        return client.get_camera_list().connected


def test_counts_connected_cameras(camera_service):
    token = camera_service.token("viewer")
    assert count_connected(camera_service.url, token) == 2
    camera_service.unplug_camera("camera1")
    assert count_connected(camera_service.url, token) == 1
