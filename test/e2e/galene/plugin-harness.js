// Does what galene.js does when the user picks a filter: list the filters whose predicate passes,
// then create a Filter on the camera stream, start it and publish its outputStream (shown here).
'use strict';

(async function () {
  const status = document.getElementById('status');
  try {
    const select = document.getElementById('filterselect');
    for (const name in filters) {
      const f = filters[name];
      if (f.predicate && !(await f.predicate.call(f))) continue;
      select.add(new Option(f.description || name, name));
    }
    if (!filters['videochat-privacy']) throw new Error('the plugin did not register filters[\'videochat-privacy\']');
    if (![...select.options].some((o) => o.value === 'videochat-privacy')) throw new Error('the plugin\'s predicate returned false');
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } });
    const filter = new Filter(stream, filters['videochat-privacy']);
    await filter.start();
    document.getElementById('output').srcObject = filter.outputStream;
    window.harness = { filter, camera: stream.getVideoTracks()[0], options: [...select.options].map((o) => o.value) };
    document.body.dataset.state = 'running';
    status.textContent = 'running';
  } catch (err) {
    document.body.dataset.state = 'error';
    status.textContent = `${err.name}: ${err.message}`;
  }
})();
