/**
 * The live-room page (development, GET /live/<stream id>): one static HTML page, no build step. It reads the stream
 * once over HTTP, then follows `liveStreamUpdated` over Server-Sent Events (a plain EventSource: graphql-sse takes
 * the operation in the query string of a GET) and shows status, viewers, sales and stock as they move.
 */
export function liveRoomPage(): string {
  return PAGE;
}

const SELECTION = `title status viewerCount sales { yuan }
  account { name merchant { name } }
  featuredOffers { ... on CouponTemplate { id title remainingStock totalStock } }`;

/**
 * The page's two documents, listed in the trusted documents manifest (schema/trusted-documents.json), so the page
 * also works where they are enforced (production, for callers without an API key).
 */
export const LIVE_ROOM_PAGE_QUERY = `query LiveRoomPage($id: ID!) { liveStream(id: $id) { ${SELECTION} } }`;
export const LIVE_ROOM_UPDATES = `subscription LiveRoomUpdates($id: ID!) { liveStreamUpdated(id: $id) { kind at stream { ${SELECTION} } } }`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Live room</title>
<style>
  body { font: 16px system-ui, sans-serif; margin: 2rem auto; max-width: 40rem; color: #222; }
  h1 { margin-bottom: .2rem; } .muted { color: #777; }
  .stats { display: flex; gap: 1rem; margin: 1rem 0; }
  .stat { flex: 1; border: 1px solid #ddd; border-radius: 8px; padding: .8rem; }
  .stat b { display: block; font-size: 1.6rem; }
  .LIVE { color: #c00; } li { margin: .3rem 0; } #log { font-size: .8rem; color: #555; }
</style>
</head>
<body>
<h1 id="title">…</h1>
<div class="muted" id="merchant"></div>
<div class="stats">
  <div class="stat">Status<b id="status">…</b></div>
  <div class="stat">Viewers<b id="viewers">…</b></div>
  <div class="stat">Sales<b id="sales">…</b></div>
</div>
<h2>Featured coupons</h2>
<ul id="offers"></ul>
<p id="connection" class="muted">connecting…</p>
<ol id="log" reversed></ol>
<script type="module">
const id = decodeURIComponent(location.pathname.split('/').pop());
const $ = (name) => document.getElementById(name);
function show(stream) {
  if (!stream) return;
  $('title').textContent = stream.title;
  $('merchant').textContent = [stream.account?.name, stream.account?.merchant?.name].filter(Boolean).join(' · ');
  $('status').textContent = stream.status;
  $('status').className = stream.status;
  $('viewers').textContent = stream.viewerCount;
  $('sales').textContent = stream.sales ? '¥' + stream.sales.yuan : '—';
  $('offers').replaceChildren(...stream.featuredOffers.filter((o) => o && o.id).map((offer) => {
    const item = document.createElement('li');
    item.dataset.id = offer.id;
    item.textContent = offer.title + ': ' + offer.remainingStock + ' of ' + offer.totalStock + ' left';
    return item;
  }));
}
const first = await fetch('/graphql', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query: ${JSON.stringify(LIVE_ROOM_PAGE_QUERY)}, variables: { id } }),
}).then((r) => r.json());
show(first.data?.liveStream);
const query = ${JSON.stringify(LIVE_ROOM_UPDATES)};
const url = '/graphql?query=' + encodeURIComponent(query) + '&variables=' + encodeURIComponent(JSON.stringify({ id }));
const source = new EventSource(url);
source.onopen = () => { $('connection').textContent = 'live: updates arrive as they happen'; document.body.dataset.subscribed = 'true'; };
source.addEventListener('next', (message) => {
  const result = JSON.parse(message.data);
  const event = result.data?.liveStreamUpdated;
  if (event) show(event.stream);
  const line = document.createElement('li');
  line.textContent = event ? event.at + ' ' + event.kind : (result.errors?.[0]?.message ?? 'error');
  $('log').prepend(line);
});
source.addEventListener('complete', () => { source.close(); $('connection').textContent = 'ended'; });
source.onerror = () => { $('connection').textContent = 'reconnecting…'; };
</script>
</body>
</html>
`;
