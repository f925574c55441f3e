// TrustFeed's demo app: hash routes, the header and the screens.
import { html, render, useEffect, useState } from './vendor/preact-htm.js';
import { Icon } from './icons.js';
import { store, useStore } from './store.js';
import { t } from './i18n.js';
import { act, ErrorNote, hasRole, Loading } from './ui.js';
import { FeedView } from './views/feed.js';
import { Profile, SignIn, SignUp, signOut } from './views/account.js';
import { Bell, Inbox, refreshUnread } from './views/inbox.js';
import { ConsentBanner, Privacy, reloadMe } from './views/privacy.js';
import { MinutesLeft } from './views/teen.js';

/**
 * A screen whose module loads when it is first opened: a visitor who only
 * browses never downloads the family panel, the moderation console (and
 * its socket client) or the campaign pages.
 */
function lazy(load, name) {
  let loaded = null;
  return function LazyScreen(props) {
    const [screen, setScreen] = useState(() => (loaded ? { Component: loaded } : null));
    useEffect(() => {
      if (loaded) return;
      load().then(
        (module) => {
          loaded = module[name];
          setScreen({ Component: loaded });
        },
        (error) => setScreen({ error: { code: 'UNKNOWN', message: String(error) } }),
      );
    }, []);
    if (screen?.error) return html`<${ErrorNote} error=${screen.error} onRetry=${() => location.reload()} />`;
    return screen ? html`<${screen.Component} ...${props} />` : html`<${Loading} />`;
  };
}

const Family = lazy(() => import('./views/family.js'), 'Family');
const Moderation = lazy(() => import('./views/moderation.js'), 'Moderation');
const Numbers = lazy(() => import('./views/campaign.js'), 'Numbers');
const Survey = lazy(() => import('./views/campaign.js'), 'Survey');
const Dashboard = lazy(() => import('./views/campaign.js'), 'Dashboard');
const PolicyPublisher = lazy(() => import('./views/admin.js'), 'PolicyPublisher');
const VerificationQueue = lazy(() => import('./views/admin.js'), 'VerificationQueue');
const AgeCheckQueue = lazy(() => import('./views/admin.js'), 'AgeCheckQueue');
const AdminHome = lazy(() => import('./views/admin.js'), 'AdminHome');
const CommentsScreen = lazy(() => import('./views/kindness.js'), 'CommentsScreen');

/** How often the header's counts and limits are brought up to date. */
const REFRESH_MS = 15000;

function parseRoute() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  return { parts, params: Object.fromEntries(new URLSearchParams(query)) };
}

function useRoute() {
  const [route, setRoute] = useState(parseRoute());
  useEffect(() => {
    const changed = () => {
      setRoute(parseRoute());
      reloadMe();
      refreshUnread();
      document.querySelector('main')?.focus({ preventScroll: true });
      window.scrollTo(0, 0);
    };
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

function Screen({ route }) {
  const [first, second, third] = route.parts;
  switch (first) {
    case undefined:
      return html`<${FeedView} params=${route.params} />`;
    case 'signin':
      return html`<${SignIn} />`;
    case 'signup':
      return html`<${SignUp} />`;
    case 'u':
      return html`<${Profile} handle=${second} />`;
    case 'inbox':
      return html`<${Inbox} />`;
    case 'comments':
      return html`<${CommentsScreen} />`;
    case 'family':
      return html`<${Family} />`;
    case 'moderation':
      return html`<${Moderation} view=${second === 'case' ? 'case' : (second ?? 'queue')} id=${third} />`;
    case 'privacy':
      return html`<${Privacy} />`;
    case 'numbers':
      return html`<${Numbers} />`;
    case 'survey':
      return html`<${Survey} />`;
    case 'dashboard':
      return html`<${Dashboard} />`;
    case 'admin':
      if (second === 'verification') return html`<${VerificationQueue} />`;
      if (second === 'age-checks') return html`<${AgeCheckQueue} />`;
      if (second === 'policy') return html`<${PolicyPublisher} />`;
      return html`<${AdminHome} />`;
    default:
      return html`<section class="panel"><h1>${t('app.notFound')}</h1><p><a href="#/">${t('app.home')}</a></p></section>`;
  }
}

/** Switches the app's language and, when signed in, the account's: feed reasons and notifications follow. */
async function switchLanguage(next) {
  store.set({ lang: next });
  if (!store.get().signedIn) return;
  if (await act(`mutation Locale($locale: String!) { setLocale(locale: $locale) { locale } }`, { locale: next })) reloadMe();
}

function Header({ route }) {
  const { lang, signedIn, me } = useStore();
  const [open, setOpen] = useState(false);
  const here = route.parts[0] ?? '';
  const link = (href, key, name) =>
    html`<li><a href=${href} aria-current=${here === name ? 'page' : null} onClick=${() => setOpen(false)}>${t(key)}</a></li>`;
  return html`<header class="top">
    <a class="brand" href="#/" aria-label="TrustFeed">Trust<span>Feed</span></a>
    <${MinutesLeft} />
    <div class="top-actions">
      <${Bell} />
      <button type="button" class="lang" aria-label=${t('nav.languageLabel')} onClick=${() => switchLanguage(lang === 'vi' ? 'en' : 'vi')}>${t('nav.language')}</button>
      <button type="button" class="menu-toggle" aria-expanded=${open} aria-controls="main-nav" onClick=${() => setOpen(!open)}><${Icon} name="menu" /> <span class="visually-hidden">${t('nav.menu')}</span></button>
    </div>
    <nav id="main-nav" class=${open ? 'main-nav open' : 'main-nav'} aria-label=${t('nav.menu')}>
      <ul>
        ${link('#/', 'nav.feed', '')}
        ${signedIn && link('#/inbox', 'nav.inbox', 'inbox')}
        ${signedIn && link('#/family', 'nav.family', 'family')}
        ${signedIn && hasRole('MODERATOR', 'ADMIN') && link('#/moderation', 'nav.moderation', 'moderation')}
        ${link('#/privacy', 'nav.privacy', 'privacy')}
        ${link('#/numbers', 'nav.numbers', 'numbers')}
        ${link('#/survey', 'nav.survey', 'survey')}
        ${signedIn && hasRole('ANALYST', 'ADMIN') && link('#/dashboard', 'nav.dashboard', 'dashboard')}
        ${signedIn && hasRole('ADMIN') && link('#/admin', 'nav.admin', 'admin')}
        ${!signedIn && link('#/signin', 'nav.signIn', 'signin')}
        ${!signedIn && link('#/signup', 'nav.signUp', 'signup')}
        ${signedIn && html`<li><button type="button" class="link sign-out" onClick=${signOut}>${t('nav.signOut')}</button></li>`}
      </ul>
    </nav>
    <${ConsentBanner} />
  </header>`;
}

function Notice() {
  const { notice } = useStore();
  return html`<div class="notice-area" role="status" aria-live="polite">
    ${notice && html`<p class=${`notice ${notice.kind}`}>${notice.text}</p>`}
  </div>`;
}

function App() {
  const route = useRoute();
  const { signedIn } = useStore();
  useEffect(() => {
    if (!signedIn) return undefined;
    reloadMe();
    refreshUnread();
    const timer = setInterval(() => {
      reloadMe();
      refreshUnread();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [signedIn]);
  const skip = (event) => {
    event.preventDefault();
    document.getElementById('main').focus();
  };
  return html`<a class="skip" href="#/" onClick=${skip}>${t('nav.skip')}</a>
    <${Header} route=${route} />
    <main id="main" tabindex="-1"><${Screen} route=${route} /></main>
    <footer class="foot"><p>${t('app.tagline')} · <a href="#/numbers">${t('nav.numbers')}</a> · <a href="#/privacy">${t('nav.privacy')}</a></p>
      <p class="credit">${t('app.pictures')} <a href="https://creativecommons.org/licenses/by/4.0/" rel="license noopener">Twemoji, CC-BY 4.0</a></p></footer>
    <${Notice} />`;
}

// Anything the Content-Security-Policy blocks is a bug; the browser tests read this.
globalThis.trustfeedViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  globalThis.trustfeedViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
