// The player: one video at a time, full screen, with play/pause, progress,
// and the next video on a swipe up or `j`. It tells the feed what was
// *played*: a VIEW with the time played, or a SWIPE_AWAY when a playing
// video is left within two seconds. Demo items are scenes drawn here from
// their script (`/media/demo/NNN.json`); any other mediaUrl is a <video>.
import { html, useEffect, useRef, useState } from '../vendor/preact-htm.js';
import { Icon } from '../icons.js';
import { useStore } from '../store.js';
import { formatNumber, t } from '../i18n.js';
import { ErrorNote, Loading, VerifiedMark } from '../ui.js';

/** Leaving a playing video sooner than this is a swipe away, not a view. */
const SWIPE_AWAY_MS = 2000;
/** How far a finger must travel to mean "next" or "previous". */
const SWIPE_PX = 50;

const isScene = (url) => url.startsWith('/media/demo/');

/**
 * Time played, on the page's clock: it runs only while playing, so a video
 * paused, hidden or left on screen adds nothing.
 */
function useWatch(durationMs, onRecord, contentId) {
  const clock = useRef({ played: 0, since: null, started: false, reported: false });
  const elapsed = () => {
    const c = clock.current;
    return Math.min(durationMs, c.played + (c.since === null ? 0 : performance.now() - c.since));
  };
  const start = () => {
    const c = clock.current;
    if (c.since === null) c.since = performance.now();
    c.started = true;
  };
  const stop = () => {
    const c = clock.current;
    c.played = elapsed();
    c.since = null;
  };
  // A passive signal: a video removed meanwhile is no reason to show an error.
  const report = () => {
    const c = clock.current;
    if (c.reported || !c.started) return;
    c.reported = true;
    const played = Math.round(elapsed());
    if (played >= SWIPE_AWAY_MS) onRecord({ contentId, kind: 'VIEW', watchedMs: played }, { quiet: true });
    else onRecord({ contentId, kind: 'SWIPE_AWAY' }, { quiet: true });
  };
  const restart = () => {
    clock.current = { played: 0, since: performance.now(), started: true, reported: false };
  };
  // Leaving this video (next, previous, closing) is when its watch is told.
  useEffect(() => () => report(), []);
  return { elapsed, start, stop, report, restart };
}

const clockText = (ms) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** The video at `index` of `items`; moving past the last one waits for the next page. */
export function Player({ items, index, onMove, onClose, onRecord, onLike, reasonText }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    dialog.showModal();
    return () => dialog.open && dialog.close();
  }, []);
  const item = items[index];
  const onKeyDown = (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'ArrowDown' || event.key === 'j') {
      event.preventDefault();
      onMove(1);
    } else if (event.key === 'ArrowUp' || event.key === 'k') {
      event.preventDefault();
      onMove(-1);
    }
  };
  return html`<dialog ref=${ref} class="player" aria-label=${item ? item.node.title : t('player.title')}
      onCancel=${onClose} onClose=${onClose} onKeyDown=${onKeyDown}
      data-id=${item?.node.id} data-index=${index} data-tags=${item?.node.tags.map((tag) => tag.slug).join(' ')}>
    <div class="player-bar">
      <button type="button" class="icon player-close" aria-label=${t('common.close')} onClick=${onClose}><${Icon} name="close" /></button>
      <span class="player-count">${t('player.position', { n: index + 1 })}</span>
      <button type="button" class="icon player-previous" aria-label=${t('player.previous')} disabled=${index === 0} onClick=${() => onMove(-1)}>
        <${Icon} name="up" /></button>
      <button type="button" class="icon player-next" aria-label=${t('player.next')} onClick=${() => onMove(1)}><${Icon} name="down" /></button>
    </div>
    ${item
      ? html`<${Playing} key=${item.node.id} item=${item} onMove=${onMove} onRecord=${onRecord} onLike=${onLike} reasonText=${reasonText} />`
      : html`<${Loading} />`}
  </dialog>`;
}

function Playing({ item, onMove, onRecord, onLike, reasonText }) {
  const node = item.node;
  const durationMs = node.durationSeconds * 1000;
  const watch = useWatch(durationMs, onRecord, node.id);
  const [state, setState] = useState('loading');
  const [position, setPosition] = useState(0);
  const [scene, setScene] = useState(null);
  const [error, setError] = useState(null);
  const video = useRef(null);
  const scenic = isScene(node.mediaUrl);

  const load = () => {
    setError(null);
    if (!scenic) {
      video.current?.load();
      return setState('paused');
    }
    fetch(node.mediaUrl, { headers: { Accept: 'application/json' } })
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error(response.statusText))))
      .then((script) => {
        setScene(script);
        play();
      })
      .catch(() => setError({ code: 'MEDIA' }));
  };
  useEffect(load, []);

  const play = () => {
    if (!scenic) {
      video.current?.play().catch(() => setState('paused'));
      return;
    }
    if (state === 'ended') watch.restart();
    else watch.start();
    setState('playing');
  };
  const pause = () => {
    if (!scenic) return video.current?.pause();
    watch.stop();
    setState('paused');
  };
  const toggle = () => (state === 'playing' ? pause() : play());

  // A scene's clock: redrawn each frame while playing, ended at its duration.
  useEffect(() => {
    if (!scenic || state !== 'playing') return undefined;
    let frame = requestAnimationFrame(function tick() {
      const at = watch.elapsed();
      setPosition(at);
      if (at >= durationMs) {
        watch.stop();
        watch.report();
        setState('ended');
        return;
      }
      frame = requestAnimationFrame(tick);
    });
    return () => cancelAnimationFrame(frame);
  }, [state]);

  // A hidden page plays nothing, and counts nothing.
  useEffect(() => {
    const hidden = () => document.visibilityState === 'hidden' && state === 'playing' && pause();
    document.addEventListener('visibilitychange', hidden);
    return () => document.removeEventListener('visibilitychange', hidden);
  }, [state]);

  // A real video: its own events drive the same clock.
  const videoEvents = {
    onPlay: () => {
      watch.start();
      setState('playing');
    },
    onPause: () => {
      watch.stop();
      setState((s) => (s === 'ended' ? s : 'paused'));
    },
    onEnded: () => {
      watch.stop();
      watch.report();
      setState('ended');
    },
    onTimeUpdate: (event) => setPosition(event.target.currentTime * 1000),
    onError: () => setError({ code: 'MEDIA' }),
  };

  // A tap plays or pauses; a swipe up or down moves on. (Keyboards have
  // the play button, and j and k.)
  const touch = useRef(null);
  const onPointerDown = (event) => {
    touch.current = { y: event.clientY };
  };
  const onPointerUp = (event) => {
    if (!touch.current) return;
    const dy = event.clientY - touch.current.y;
    touch.current = null;
    if (Math.abs(dy) >= SWIPE_PX) onMove(dy < 0 ? 1 : -1);
    else if (state !== 'loading') toggle();
  };

  const share = Math.min(1, position / durationMs);
  const pillar = (scene?.pillar ?? node.tags[0]?.pillar ?? 'LEARN').toLowerCase();
  return html`<div class="playing" data-state=${state}>
    <div class=${`stage pillar-bg-${pillar}${state === 'playing' ? '' : ' still'}`}
        onPointerDown=${onPointerDown} onPointerUp=${onPointerUp}>
      ${scenic
        ? scene && html`<${Scene} scene=${scene} at=${position} />`
        : html`<video ref=${video} src=${node.mediaUrl} playsinline autoplay preload="metadata" ...${videoEvents}></video>`}
      ${state !== 'playing' && state !== 'loading' &&
      html`<span class="stage-sign" aria-hidden="true"><${Icon} name=${state === 'ended' ? 'replay' : 'play'} size="56" /></span>`}
      ${state === 'loading' && !error && html`<${Loading} />`}
    </div>
    <${ErrorNote} error=${error} onRetry=${load} />
    <div class="player-progress" role="progressbar" aria-label=${t('player.progress')} aria-valuemin="0"
        aria-valuemax=${node.durationSeconds} aria-valuenow=${Math.floor(position / 1000)}
        aria-valuetext=${`${clockText(position)} / ${clockText(durationMs)}`}>
      <span style=${{ width: `${(share * 100).toFixed(2)}%` }}></span>
    </div>
    <div class="player-controls">
      <button type="button" class="player-toggle" disabled=${state === 'loading'} onClick=${toggle}>
        <${Icon} name=${state === 'playing' ? 'pause' : state === 'ended' ? 'replay' : 'play'} />
        ${state === 'playing' ? t('player.pause') : state === 'ended' ? t('player.replay') : t('player.play')}
      </button>
      <span class="player-time">${clockText(position)} / ${clockText(durationMs)}</span>
      <button type="button" class=${node.viewerHasLiked ? 'like on' : 'like'} aria-pressed=${node.viewerHasLiked} onClick=${() => onLike(node)}>
        <${Icon} name="heart" /> ${node.viewerHasLiked ? t('card.unlike') : t('card.like')} <span class="count">${formatNumber(node.likeCount)}</span>
      </button>
    </div>
    ${state === 'ended' && html`<p class="player-ended" role="status">${t('player.ended')}
      <button type="button" class="secondary" onClick=${() => onMove(1)}>${t('player.next')}</button></p>`}
    <div class="player-info">
      <h2>${node.title}</h2>
      <p class="creator">${t('card.by')} <a href=${`#/u/${node.author.handle}`}>@${node.author.handle}</a><${VerifiedMark} user=${node.author} /></p>
      ${item.reasons?.length > 0 &&
      html`<ul class="reasons" aria-label=${t('feed.why')}>
        ${item.reasons.map((reason) => html`<li class="reason" data-kind=${reason.kind}>${reasonText(reason)}</li>`)}
      </ul>`}
    </div>
  </div>`;
}

/** The beat of the script at `at` ms: its pictogram and its caption in the viewer's language. */
function Scene({ scene, at }) {
  const { lang } = useStore();
  let current = 0;
  scene.beats.forEach((beat, i) => {
    if (beat.startMs <= at) current = i;
  });
  const beat = scene.beats[current];
  const picture = beat.pictogram ? `/assets/vendor/twemoji/${beat.pictogram}.svg` : '/assets/icon.svg';
  return html`<div class="scene-beat" key=${current} data-beat=${current}>
    <img src=${picture} alt="" width="120" height="120" />
    <p class="scene-caption" lang=${lang}>${beat[lang] ?? beat.vi}</p>
  </div>`;
}
