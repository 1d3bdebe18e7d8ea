"""Several services at once: one client each, queried concurrently.

MEDIAMTX_FLEET is a space-separated list of ws:// URLs; every service gets the
same token (MEDIAMTX_AUTH_TOKEN) or API key (MEDIAMTX_API_KEY).
"""

import os

import anyio

from mediamtx_camera_sdk import CameraClient, CameraServiceError


async def survey(url, results):
    try:
        async with CameraClient(url=url, max_retries=0) as client:
            cameras = await client.get_camera_list()
            results[url] = f"{cameras.connected}/{len(cameras)} cameras connected"
    except CameraServiceError as exc:
        results[url] = f"unreachable: {exc}"


async def main():
    urls = os.environ["MEDIAMTX_FLEET"].split()
    results = {}
    async with anyio.create_task_group() as tg:
        for url in urls:
            tg.start_soon(survey, url, results)
    for url in urls:
        print(f"{url}: {results[url]}")


anyio.run(main)
