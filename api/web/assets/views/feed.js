// "For You": a vertical feed of poster cards that says why each item is there
// and opens each in the player, which tells the feed what was watched.
import { html, useEffect, useRef, useState } from '../vendor/preact-htm.js';
import { Icon } from '../icons.js';
import { gql } from '../api.js';
import { notify, store, useStore } from '../store.js';
import { formatNumber, t, tagLabel } from '../i18n.js';
import { act, Dialog, ErrorNote, errorText, Loading, PILLARS, ReportDialog, TagChips, useQuery, VerifiedMark } from '../ui.js';
import { rememberIntent, takeIntent } from '../intent.js';
import { reloadMe } from './privacy.js';
import { ScreenTimeGate, isGate } from './teen.js';

const PAGE = 10;
const FIRST_CARD = 'trustfeed:first-card';

/** The player's module, loaded when a first video is opened. */
let playerModule = null;
const loadPlayer = () => (playerModule ??= import('./player.js'));

const CONTENT_FIELDS = `id title caption mediaUrl durationSeconds audience viewCount likeCount commentCount viewerHasLiked
  author { id handle displayName verified } tags { slug label labelVi pillar } campaign { hashtag }`;

const FEED = `query Feed($first: Int, $after: String, $pillar: Pillar) {
  feed(first: $first, after: $after, pillar: $pillar) {
    edges { node { ${CONTENT_FIELDS} } reasons { kind label tag { slug label labelVi pillar } } }
    pageInfo { hasNextPage endCursor }
    windDown { level message }
  }
}`;

const CONTENTS = `query Contents($first: Int, $after: String, $filter: ContentFilter) {
  contents(first: $first, after: $after, filter: $filter) {
    edges { node { ${CONTENT_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const INTERACT = `mutation Interact($input: InteractionInput!) {
  recordInteraction(input: $input) {
    content { id likeCount viewerHasLiked }
    screenTime { usedMinutes limitMinutes remainingMinutes limitReached inTimeAway }
  }
}`;

/** Loads pages of the feed (or of a search or campaign) as the viewer moves on. */
function usePages(source) {
  const [pages, setPages] = useState({ items: [], cursor: null, hasNext: true, error: null, loading: false, windDown: null });
  const key = JSON.stringify(source);
  const generation = useRef(0);
  const loadMore = async (reset = false) => {
    const mine = reset ? ++generation.current : generation.current;
    setPages((p) => (reset ? { items: [], cursor: null, hasNext: true, error: null, loading: true, windDown: null } : { ...p, loading: true }));
    const after = reset ? null : pages.cursor;
    try {
      const data = source.feed
        ? (await gql(FEED, { first: PAGE, after, pillar: source.pillar ?? null })).feed
        : (await gql(CONTENTS, { first: PAGE, after, filter: source.filter })).contents;
      if (mine !== generation.current) return;
      setPages((p) => {
        const seen = new Set(reset ? [] : p.items.map((item) => item.node.id));
        const fresh = data.edges.filter((edge) => !seen.has(edge.node.id));
        return {
          items: [...(reset ? [] : p.items), ...fresh],
          cursor: data.pageInfo.endCursor,
          hasNext: data.pageInfo.hasNextPage,
          error: null,
          loading: false,
          windDown: data.windDown ?? null,
        };
      });
    } catch (error) {
      if (mine === generation.current) setPages((p) => ({ ...p, error, loading: false }));
    }
  };
  useEffect(() => {
    loadMore(true);
  }, [key]);
  return [pages, loadMore, setPages];
}

export function FeedView({ params }) {
  const { signedIn } = useStore();
  const pillar = PILLARS.includes(params.pillar) ? params.pillar : null;
  const search = params.q?.trim() || '';
  const campaign = params.campaign || '';
  const source = search
    ? { filter: { search } }
    : campaign
      ? { filter: { campaign } }
      : { feed: true, pillar };
  const [pages, loadMore, setPages] = usePages({ ...source, signedIn });
  const [active, setActive] = useState(0);
  /** The index the player shows, null when it is closed; and its component once loaded. */
  const [playing, setPlaying] = useState(null);
  const [player, setPlayer] = useState(null);
  const list = useRef(null);

  const open = async (index) => {
    try {
      const { Player } = await loadPlayer();
      setPlayer(() => Player);
      setActive(index);
      setPlaying(index);
    } catch (error) {
      playerModule = null;
      notify(errorText(error), 'error');
    }
  };

  // What anonymous visitors watch is theirs alone: only accounts teach a feed.
  const record = async (input, { quiet = false } = {}) => {
    if (!store.get().signedIn) return null;
    try {
      const result = (await gql(INTERACT, { input })).recordInteraction;
      applyScreenTime(result.screenTime);
      return result;
    } catch (error) {
      if (isGate(error)) setPages((p) => ({ ...p, error }));
      else if (!quiet) notify(errorText(error), 'error');
      return null;
    }
  };

  const applyScreenTime = (screenTime) => {
    const current = store.get().me;
    if (!screenTime || !current) return;
    store.set({ me: { ...current, screenTime: { ...current.screenTime, ...screenTime } } });
  };

  // The card most in view is the one being watched.
  useEffect(() => {
    const root = list.current;
    if (!root) return undefined;
    const observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          if (entry.isIntersecting && entry.intersectionRatio >= 0.6) setActive(Number(entry.target.dataset.index));
        }
      },
      { threshold: [0.6] },
    );
    root.querySelectorAll('.card').forEach((card) => observer.observe(card));
    return () => observer.disconnect();
  }, [pages.items.length]);

  useEffect(() => {
    if (pages.hasNext && !pages.loading && !pages.error && active >= pages.items.length - 3) loadMore();
  }, [active, pages.items.length]);

  // When the first card is on screen: what a visitor waits for, and what
  // `examples/first_card.rs` times (or any real-user monitoring).
  useEffect(() => {
    if (pages.items.length > 0 && performance.getEntriesByName(FIRST_CARD).length === 0) performance.mark(FIRST_CARD);
  }, [pages.items.length > 0]);

  // Moving past the loaded cards waits for the next page rather than
  // dropping the key press.
  const [wanted, setWanted] = useState(null);
  const show = (index) => {
    list.current?.querySelector(`[data-index="${index}"]`)?.scrollIntoView({ block: 'start', behavior: 'instant' });
    setActive(index);
    setPlaying((shown) => (shown === null ? null : index));
  };
  const move = (by, from = active) => {
    const next = Math.max(0, from + by);
    if (next < pages.items.length) show(next);
    else if (pages.hasNext) {
      setWanted(next);
      if (!pages.loading) loadMore();
    }
  };
  useEffect(() => {
    if (wanted !== null && wanted < pages.items.length) {
      setWanted(null);
      show(wanted);
    }
  }, [wanted, pages.items.length]);
  // Arrow keys move through the feed from anywhere but a form field or a
  // dialog (the player handles its own, and may have redrawn the target).
  const onKey = (event) => {
    if (event.defaultPrevented || event.target.closest?.('input, textarea, select, dialog')) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'ArrowDown' || event.key === 'j') {
      event.preventDefault();
      move(1);
    } else if (event.key === 'ArrowUp' || event.key === 'k') {
      event.preventDefault();
      move(-1);
    }
  };

  const keys = useRef(onKey);
  keys.current = onKey;
  useEffect(() => {
    const listener = (event) => keys.current(event);
    document.addEventListener('keydown', listener);
    return () => document.removeEventListener('keydown', listener);
  }, []);

  const dropItem = (id) => setPages((p) => ({ ...p, items: p.items.filter((item) => item.node.id !== id) }));
  const updateNode = (id, fields) =>
    setPages((p) => ({ ...p, items: p.items.map((item) => (item.node.id === id ? { ...item, node: { ...item.node, ...fields } } : item)) }));
  // The card and the player show the same like.
  const like = async (node) => {
    if (!signedIn) {
      rememberIntent('LIKE', node);
      location.hash = '#/signin';
      return;
    }
    const result = await record({ contentId: node.id, kind: node.viewerHasLiked ? 'UNLIKE' : 'LIKE' });
    if (result) updateNode(node.id, { viewerHasLiked: result.content.viewerHasLiked, likeCount: result.content.likeCount });
  };

  // Trying again also reloads the header's minutes left (a guardian may have granted more).
  const retry = () => {
    reloadMe();
    loadMore(true);
  };
  if (isGate(pages.error)) return html`<${ScreenTimeGate} error=${pages.error} onRetry=${retry} />`;

  return html`<section class="feed-screen" aria-labelledby="feed-title">
    <${CampaignBanner} />
    <${FeedFilters} pillar=${pillar} search=${search} />
    <h1 id="feed-title" class="visually-hidden">${t('nav.feed')}</h1>
    <p class="muted intro">
      ${search
        ? t('feed.searchResults', { q: search })
        : campaign
          ? t('feed.campaignTitle', { tag: '#tryitwithtiktok' })
          : pillar
            ? t('feed.onePillar', { pillar: t(`pillar.${pillar}`) })
            : signedIn
              ? t('feed.learning')
              : t('feed.sampler')}
    </p>
    ${signedIn && html`<${FinishIntent} onRecord=${record} onDrop=${dropItem} onUpdate=${updateNode} />`}
    ${pages.windDown && html`<${WindDown} prompt=${pages.windDown} onDismiss=${() => setPages((p) => ({ ...p, windDown: null }))} />`}
    <div class="feed" ref=${list} aria-label=${t('nav.feed')} role="feed" aria-busy=${pages.loading}>
      ${pages.items.map(
        (item, index) => html`<${Card} key=${item.node.id} index=${index} item=${item} active=${index === active}
          onOpen=${open} onLike=${like} onRecord=${record} onDrop=${dropItem} />`,
      )}
    </div>
    ${playing !== null && player &&
    html`<${player} items=${pages.items} index=${playing} onMove=${(by) => move(by, playing)} onClose=${() => setPlaying(null)}
      onRecord=${record} onLike=${like} reasonText=${reasonText} />`}
    ${pages.loading && html`<${Loading} />`}
    <${ErrorNote} error=${pages.error} onRetry=${() => loadMore(pages.items.length === 0)} />
    ${!pages.loading && !pages.error && pages.items.length === 0 && html`<p class="muted">${search ? t('feed.searchNone', { q: search }) : t('feed.empty')}</p>`}
    ${!pages.loading && !pages.error && pages.hasNext && pages.items.length > 0 && html`<button type="button" class="secondary wide" onClick=${() => loadMore()}>${t('feed.more')}</button>`}
    ${!pages.hasNext && pages.items.length > 0 && html`<p class="muted end">${t('feed.end')}</p>`}
  </section>`;
}

/** Finishes what the visitor asked for before signing in, on that same video. */
function FinishIntent({ onRecord, onDrop, onUpdate }) {
  const [reporting, setReporting] = useState(null);
  useEffect(() => {
    const intent = takeIntent();
    if (!intent) return;
    if (intent.action === 'REPORT') {
      setReporting(intent);
      return;
    }
    onRecord({ contentId: intent.contentId, kind: intent.action }).then((result) => {
      if (!result) return;
      notify(t(`intent.done.${intent.action}`, { title: intent.title }));
      const { viewerHasLiked, likeCount } = result.content;
      onUpdate(intent.contentId, { viewerHasLiked, likeCount });
      document.querySelector(`.card[data-id="${intent.contentId}"]`)?.scrollIntoView({ block: 'start' });
      if (intent.action === 'NOT_INTERESTED') onDrop(intent.contentId);
    });
  }, []);
  if (!reporting) return null;
  return html`<div class="intent-report" data-content=${reporting.contentId}>
    <p>${t('intent.reportNow', { title: reporting.title })}</p>
    <${ReportDialog} targetType="CONTENT" targetId=${reporting.contentId} onClose=${() => setReporting(null)} />
  </div>`;
}

/** The campaign running now (the launch campaign when none is), with a link to its entries. */
function CampaignBanner() {
  const { data } = useQuery(`query Campaigns { campaigns { slug hashtag isActive } }`, {});
  const running = data?.campaigns.find((c) => c.isActive);
  const slug = running?.slug ?? 'tryitwithtiktok';
  return html`<aside class="banner" aria-label=${running?.hashtag ?? '#tryitwithtiktok'}>
    <strong>${t('banner.title')}</strong>
    <p>${t('banner.body')}</p>
    <a href=${`#/?campaign=${encodeURIComponent(slug)}`}>${t('banner.cta')}</a>
  </aside>`;
}

function FeedFilters({ pillar, search }) {
  const [query, setQuery] = useState(search);
  // Leaving a search (the pillar tabs, "For You") empties the box.
  useEffect(() => setQuery(search), [search]);
  // The chosen tab is in view, even when opened from a link.
  useEffect(() => {
    document.querySelector('.pillar-tab.current')?.scrollIntoView({ inline: 'center', block: 'nearest' });
  }, [pillar]);
  const submit = (event) => {
    event.preventDefault();
    location.hash = query.trim() ? `#/?q=${encodeURIComponent(query.trim())}` : '#/';
  };
  return html`<div class="filters">
    <form class="search" role="search" onSubmit=${submit}>
      <label for="search-box" class="visually-hidden">${t('feed.searchLabel')}</label>
      <input id="search-box" type="search" name="q" value=${query} placeholder=${t('feed.searchPlaceholder')}
        aria-label=${t('feed.searchLabel')} onInput=${(e) => setQuery(e.target.value)} />
      <button type="submit">${t('nav.search')}</button>
    </form>
    <div class="pillars-wrap"><nav class="pillars" aria-label=${t('nav.feed')}>
      <a href="#/" class=${!pillar && !search ? 'pillar-tab current' : 'pillar-tab'} aria-current=${!pillar && !search ? 'page' : null}>${t('pillar.ALL')}</a>
      ${PILLARS.map(
        (p) => html`<a href=${`#/?pillar=${p}`} class=${`pillar-tab pillar-${p.toLowerCase()}${pillar === p ? ' current' : ''}`}
          aria-current=${pillar === p ? 'page' : null}>${t(`pillar.${p}`)}</a>`,
      )}
    </nav></div>
  </div>`;
}

function WindDown({ prompt, onDismiss }) {
  const dismiss = async () => {
    if (await act('mutation { dismissWindDown }')) onDismiss();
  };
  return html`<div class="wind-down" role="status">
    <strong>${t('feed.windDown')}</strong>
    <p>${prompt.message}</p>
    <button type="button" class="secondary" onClick=${dismiss}>${t('feed.windDownDismiss')}</button>
  </div>`;
}

/** Tags with a pictogram (Twemoji, `vendor/twemoji/`). */
const PICTOGRAMS = new Set([
  'study-tips', 'language-learning', 'personal-finance', 'health', 'science', 'food', 'travel', 'news', 'diy',
  'family-stories', 'community', 'culture', 'comedy', 'dance', 'pets', 'volunteering', 'kind-words', 'helping-hands',
]);

/** A creator's initial on a colour of their own, so creators are told apart at a glance. */
function Avatar({ handle }) {
  const hue = [...handle].reduce((sum, c) => (sum * 31 + c.charCodeAt(0)) % 360, 7);
  return html`<span class="avatar" aria-hidden="true" style=${{ background: `hsl(${hue} 55% 32%)` }}>${handle[0].toUpperCase()}</span>`;
}

/** A reason in the viewer's language: the server's words when they match it. */
function reasonText(reason) {
  const { lang, me } = store.get();
  if (lang === (me?.locale ?? 'vi')) return reason.label;
  // Only the first letter is lowered: "văn hóa Việt" keeps its capital.
  const label = reason.tag ? tagLabel(reason.tag) : '';
  const tag = label.charAt(0).toLowerCase() + label.slice(1);
  return t(`reason.${reason.kind}`, { tag });
}

function Card({ item, index, active, onOpen, onLike, onRecord, onDrop }) {
  const { signedIn } = useStore();
  const node = item.node;
  const [showComments, setShowComments] = useState(false);
  const [reporting, setReporting] = useState(false);
  const pillar = node.tags[0]?.pillar?.toLowerCase() ?? 'learn';
  /** Anonymous: sign in first, and come back to finish `action` on this video. */
  const needAccount = (action) => {
    if (signedIn) return false;
    rememberIntent(action, node);
    location.hash = '#/signin';
    return true;
  };
  const share = async () => {
    const link = `${location.origin}/#/?q=${encodeURIComponent(node.title)}`;
    let copied = false;
    try {
      await navigator.clipboard.writeText(link);
      copied = true;
    } catch {
      // Copying may be refused: the link is shown instead.
    }
    // Anyone is told what happened; a signed-in share also teaches the feed.
    if (signedIn) await onRecord({ contentId: node.id, kind: 'SHARE' });
    notify(copied ? t('card.shared') : t('card.shareLink', { link }));
  };
  const notInterested = async () => {
    if (needAccount('NOT_INTERESTED')) return;
    if (await onRecord({ contentId: node.id, kind: 'NOT_INTERESTED' })) {
      notify(t('card.notInterestedDone'));
      onDrop(node.id);
    }
  };
  return html`<article class=${`card${active ? ' active' : ''}`} data-index=${index} data-id=${node.id}
      data-tags=${node.tags.map((tag) => tag.slug).join(' ')} aria-label=${node.title} aria-current=${active ? 'true' : null}>
    <button type="button" class=${`poster pillar-bg-${pillar}`} onClick=${() => onOpen(index)}>
      <span class="visually-hidden">${t('card.play', { title: node.title })}</span>
      <span class="pictograms" aria-hidden="true">
        ${node.tags.filter((tag) => PICTOGRAMS.has(tag.slug)).slice(0, 2).map(
          (tag) => html`<img src=${`/assets/vendor/twemoji/${tag.slug}.svg`} alt="" width="88" height="88" />`,
        )}
      </span>
      <span class="play"><${Icon} name="play" size="40" /></span>
      <span class="duration">${t('card.seconds', { n: node.durationSeconds })}</span>
      ${node.audience === 'MATURE' && html`<span class="badge">${t('card.mature')}</span>`}
    </button>
    <div class="card-body">
      <h2 class="card-title">${node.title}</h2>
      <p class="creator"><${Avatar} handle=${node.author.handle} /> ${t('card.by')} <a href=${`#/u/${node.author.handle}`}>@${node.author.handle}</a><${VerifiedMark} user=${node.author} /></p>
      ${node.caption && html`<p class="caption">${node.caption}</p>`}
      <${TagChips} tags=${node.tags} />
      ${item.reasons?.length > 0 &&
      html`<ul class="reasons" aria-label=${t('feed.why')}>
        ${item.reasons.map((reason) => html`<li class="reason" data-kind=${reason.kind} data-tag=${reason.tag?.slug}>${reasonText(reason)}</li>`)}
      </ul>`}
      <div class="card-actions">
        <button type="button" class=${node.viewerHasLiked ? 'like on' : 'like'} aria-pressed=${node.viewerHasLiked} onClick=${() => onLike(node)}>
          <${Icon} name="heart" /> ${node.viewerHasLiked ? t('card.unlike') : t('card.like')} <span class="count">${formatNumber(node.likeCount)}</span>
        </button>
        <button type="button" class="share" onClick=${share}><${Icon} name="share" /> ${t('card.share')}</button>
        <button type="button" class="comments-toggle" aria-expanded=${showComments} onClick=${() => setShowComments(!showComments)}>
          <${Icon} name="comment" /> ${t('card.comments', { n: formatNumber(node.commentCount) })}
        </button>
        <button type="button" class="not-interested" onClick=${notInterested}><${Icon} name="hide" /> ${t('card.notInterested')}</button>
        <button type="button" class="report" onClick=${() => !needAccount('REPORT') && setReporting(true)}><${Icon} name="flag" /> ${t('card.report')}</button>
      </div>
      ${showComments && html`<${Comments} contentId=${node.id} />`}
    </div>
    ${reporting && html`<${ReportDialog} targetType="CONTENT" targetId=${node.id} onClose=${() => setReporting(false)} />`}
  </article>`;
}

const COMMENTS = `query Comments($id: ID!) {
  content(id: $id) { id comments(first: 20) { edges { node { id body createdAt author { handle displayName verified } } } } }
}`;

function Comments({ contentId }) {
  const { signedIn } = useStore();
  const [state, setState] = useState({ items: null, error: null });
  const [body, setBody] = useState('');
  const [reporting, setReporting] = useState(null);
  const load = () =>
    gql(COMMENTS, { id: contentId }).then(
      (data) => setState({ items: data.content?.comments.edges.map((e) => e.node) ?? [], error: null }),
      (error) => setState({ items: [], error }),
    );
  useEffect(() => {
    load();
  }, [contentId]);
  const [nudge, setNudge] = useState(null);
  const post = async (postAnyway) => {
    try {
      await gql(`mutation Add($id: ID!, $body: String!, $postAnyway: Boolean) { addComment(contentId: $id, body: $body, postAnyway: $postAnyway) { id } }`,
        { id: contentId, body, postAnyway });
      setNudge(null);
      setBody('');
      load();
    } catch (error) {
      if (error.code === 'KINDNESS_NUDGE') setNudge(error.extensions);
      else notify(errorText(error), 'error');
    }
  };
  const send = (event) => {
    event.preventDefault();
    post(false);
  };
  // Back to the words, with the comment kept to edit.
  const rethink = () => {
    setNudge(null);
    document.getElementById(`comment-${contentId}`)?.focus();
  };
  const withdraw = () => {
    setNudge(null);
    setBody('');
  };
  return html`<div class="comments">
    ${state.items === null && html`<${Loading} />`}
    <${ErrorNote} error=${state.error} />
    ${state.items?.length === 0 && !state.error && html`<p class="muted">${t('comments.none')}</p>`}
    <ul>
      ${state.items?.map(
        (comment) => html`<li class="comment" data-id=${comment.id}>
          <a href=${`#/u/${comment.author.handle}`}>@${comment.author.handle}</a><${VerifiedMark} user=${comment.author} /> ${comment.body}
          ${signedIn && html`<button type="button" class="link report-comment" onClick=${() => setReporting(comment.id)}>${t('comments.report')}</button>`}
        </li>`,
      )}
    </ul>
    ${signedIn &&
    html`<form class="inline" onSubmit=${send}>
      <label class="visually-hidden" for=${`comment-${contentId}`}>${t('comments.add')}</label>
      <input id=${`comment-${contentId}`} value=${body} maxlength="500" required placeholder=${t('comments.add')} onInput=${(e) => setBody(e.target.value)} />
      <button type="submit">${t('comments.send')}</button>
    </form>`}
    ${reporting && html`<${ReportDialog} targetType="COMMENT" targetId=${reporting} onClose=${() => setReporting(null)} />`}
    ${nudge && html`<${KindNudge} nudge=${nudge} onRethink=${rethink} onPostAnyway=${() => post(true)} onWithdraw=${withdraw} />`}
  </div>`;
}

/** Before an unkind comment is posted: the words, a kinder way, and the writer's choice. */
function KindNudge({ nudge, onRethink, onPostAnyway, onWithdraw }) {
  return html`<${Dialog} title=${t('nudge.title')} onClose=${onRethink}>
    <div class="kind-nudge">
      <p>${t('nudge.words')} ${nudge.words.map((word, i) => html`${i ? ', ' : ''}<mark>${word}</mark>`)}</p>
      <p class="suggestion">${nudge.suggestion}</p>
      <div class="actions">
        <button type="button" class="rethink" onClick=${onRethink}>${t('nudge.rethink')}</button>
        <button type="button" class="secondary withdraw" onClick=${onWithdraw}>${t('nudge.withdraw')}</button>
      </div>
      <p class="muted">${t('nudge.anywayMeans')}</p>
      <button type="button" class="link post-anyway" onClick=${onPostAnyway}>${t('nudge.postAnyway')}</button>
    </div>
  <//>`;
}
