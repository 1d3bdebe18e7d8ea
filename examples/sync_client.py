"""The blocking client: scripts, notebooks, threads. No event loop needed."""

from mediamtx_camera_sdk import SyncCameraClient

with SyncCameraClient() as client:  # address and token from MEDIAMTX_*
    print(client.ping())
    for camera in client.get_camera_list():
        print(f"{camera.device_path}: {camera.status}")
    snapshot = client.take_snapshot(client.get_camera_list()[0].device_path)
    print(f"snapshot {snapshot.filename} ({snapshot.file_size} bytes)")
