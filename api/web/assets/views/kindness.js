// The creator's side of kind words: comment controls (hold what reads as
// unkind, hold chosen words, a limit on strangers and newcomers for a few
// days), and the comments held on their latest ten videos, approved or
// hidden in bulk (ten videos of twenty comments keep the query in its budget).
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { notify, useStore } from '../store.js';
import { formatDate, t } from '../i18n.js';
import { act, ErrorNote, Loading, SignInNeeded, useQuery } from '../ui.js';

const MINE = `query Mine($handle: String!) {
  me { commentControls { filterUnkind filterKeywords limitedUntil } }
  contents(filter: { authorHandle: $handle }, first: 10) { edges { node { id title
    heldComments(first: 20) { edges { node { id body createdAt author { handle } } } } } } }
}`;
const CONTROLS = `mutation Controls($input: CommentControlsInput!) { setCommentControls(input: $input) { filterUnkind filterKeywords limitedUntil } }`;
const APPROVE = `mutation Approve($id: ID!) { approveComment(id: $id) { id } }`;
const HIDE = `mutation Hide($ids: [ID!]!, $block: Boolean) { hideComments(ids: $ids, blockAuthors: $block) }`;
const LIMIT_DAYS = [1, 3, 7, 14, 30];

export function CommentsScreen() {
  const { signedIn, me } = useStore();
  const handle = me?.user.handle;
  const mine = useQuery(MINE, { handle: handle ?? '' }, [signedIn, handle]);
  if (!signedIn) return html`<${SignInNeeded} />`;
  if (!me || (mine.loading && !mine.data)) return html`<${Loading} />`;
  if (mine.error) return html`<${ErrorNote} error=${mine.error} onRetry=${mine.reload} />`;
  const videos = mine.data.contents.edges.map((e) => e.node).filter((v) => v.heldComments.edges.length > 0);
  return html`<section class="panel comment-tools" aria-labelledby="comments-title">
    <h1 id="comments-title">${t('kind.title')}</h1>
    <${Controls} controls=${mine.data.me.commentControls} onSaved=${mine.reload} />
    <h2>${t('kind.heldTitle')}</h2>
    ${videos.length === 0 && html`<p class="muted">${t('kind.noneHeld')}</p>`}
    <${Held} videos=${videos} onChanged=${mine.reload} />
  </section>`;
}

function Controls({ controls, onSaved }) {
  const [unkind, setUnkind] = useState(controls.filterUnkind);
  const [keywords, setKeywords] = useState(controls.filterKeywords.join('\n'));
  const [days, setDays] = useState(3);
  useEffect(() => {
    setUnkind(controls.filterUnkind);
    setKeywords(controls.filterKeywords.join('\n'));
  }, [controls]);
  const save = async (input, done) => {
    if (await act(CONTROLS, { input })) {
      notify(t(done));
      onSaved();
    }
  };
  const words = keywords.split('\n').map((w) => w.trim()).filter(Boolean);
  return html`<form class="controls" onSubmit=${(e) => { e.preventDefault(); save({ filterUnkind: unkind, filterKeywords: words }, 'kind.saved'); }}>
    <label class="check"><input type="checkbox" name="filterUnkind" checked=${unkind} onChange=${(e) => setUnkind(e.target.checked)} /> ${t('kind.filterUnkind')}</label>
    <label for="filter-keywords">${t('kind.keywords')}</label>
    <textarea id="filter-keywords" rows="3" maxlength="5100" value=${keywords} onInput=${(e) => setKeywords(e.target.value)}></textarea>
    <button type="submit">${t('kind.save')}</button>
    <div class="limit">
      ${controls.limitedUntil
        ? html`<p class="ok">${t('kind.limitedUntil', { at: formatDate(controls.limitedUntil) })}</p>
            <button type="button" class="secondary end-limit" onClick=${() => save({ endLimit: true }, 'kind.limitEnded')}>${t('kind.endLimit')}</button>`
        : html`<p class="muted">${t('kind.limitWhat')}</p>
            <label>${t('kind.limitDays')}<select value=${days} onChange=${(e) => setDays(Number(e.target.value))}>
              ${LIMIT_DAYS.map((d) => html`<option value=${d}>${t('kind.days', { n: d })}</option>`)}</select></label>
            <button type="button" class="secondary start-limit" onClick=${() => save({ limitDays: days }, 'kind.limitStarted')}>${t('kind.startLimit')}</button>`}
    </div>
  </form>`;
}

/** Held comments by video; each approved, or several hidden at once (and their writers stopped). */
function Held({ videos, onChanged }) {
  const [chosen, setChosen] = useState([]);
  const [block, setBlock] = useState(false);
  const toggle = (id) => setChosen((ids) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]));
  const approve = async (id) => {
    if (await act(APPROVE, { id })) {
      notify(t('kind.approved'));
      onChanged();
    }
  };
  const hide = async () => {
    const result = await act(HIDE, { ids: chosen, block });
    if (result) {
      notify(t('kind.hidden', { n: result.hideComments }));
      setChosen([]);
      onChanged();
    }
  };
  if (videos.length === 0) return null;
  return html`<div class="held">
    ${videos.map(
      (video) => html`<article class="held-video" data-id=${video.id}>
        <h3>${video.title}</h3>
        <ul class="plain">${video.heldComments.edges.map(
          ({ node: c }) => html`<li class="held-comment" data-id=${c.id}>
            <label class="check"><input type="checkbox" checked=${chosen.includes(c.id)} onChange=${() => toggle(c.id)} />
              <span><strong>@${c.author.handle}</strong> ${c.body} <small class="muted">${formatDate(c.createdAt)}</small></span></label>
            <button type="button" class="link approve" onClick=${() => approve(c.id)}>${t('kind.approve')}</button>
          </li>`,
        )}</ul>
      </article>`,
    )}
    <div class="bulk">
      <label class="check"><input type="checkbox" name="blockAuthors" checked=${block} onChange=${(e) => setBlock(e.target.checked)} /> ${t('kind.block')}</label>
      <button type="button" class="hide-chosen" disabled=${chosen.length === 0} onClick=${hide}>${t('kind.hideChosen', { n: chosen.length })}</button>
    </div>
  </div>`;
}
