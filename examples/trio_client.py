"""The async client on trio: the same CameraClient, another event loop."""

import trio

from mediamtx_camera_sdk import CameraClient


async def main():
    async with CameraClient() as client:  # address and token from MEDIAMTX_*
        cameras = await client.get_camera_list()
        print(f"{len(cameras)} cameras on the {client.dialect} service")
        async with trio.open_nursery() as nursery:
            for camera in cameras:
                nursery.start_soon(show_status, client, camera.device_path)


async def show_status(client, device):
    status = await client.get_camera_status(device)
    print(f"{status.device_path}: {status.status} {status.resolution or ''}".rstrip())


trio.run(main)
