/**
 * Expiry: an SVG bar chart of the certificates that expire in each of the next 12 months (this month first, from
 * now on) plus those already expired, one $count each; a bar's accessible name says its number ("3 certificates
 * expire in March 2027"), and choosing a bar lists its certificates. Months are the browser's local calendar.
 */
import { getCount, query } from '../api.js';
import { clearError, showError } from '../alert.js';
import { showCertificates } from '../certificate-table.js';
import { h, svg } from '../dom.js';
import { CERTIFICATES, LIST_PROPERTIES } from '../model.js';

const MONTHS = 12;
const MONTH_NAME = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric' });
const SHORT_NAME = new Intl.DateTimeFormat('en-US', { month: 'short' });

interface Bucket {
  /** The bar's accessible name, and the list's heading. */
  readonly label: string;
  readonly heading: string;
  readonly axis: string;
  readonly filter: string;
  count: number;
}

export function expiryBuckets(now: Date): Bucket[] {
  const expired: Bucket = {
    label: '', heading: 'Expired certificates', axis: 'Expired', count: 0,
    filter: `expirationDateTime lt ${now.toISOString()}`,
  };
  const months = Array.from({ length: MONTHS }, (_, i) => {
    const start = i === 0 ? now : new Date(now.getFullYear(), now.getMonth() + i, 1);
    const end = new Date(now.getFullYear(), now.getMonth() + i + 1, 1);
    const month = MONTH_NAME.format(new Date(now.getFullYear(), now.getMonth() + i, 1));
    return {
      label: month, heading: `Certificates that expire in ${month}`, axis: SHORT_NAME.format(end.getTime() - 1),
      count: 0, filter: `expirationDateTime ge ${start.toISOString()} and expirationDateTime lt ${end.toISOString()}`,
    };
  });
  return [expired, ...months];
}

export function barName(bucket: Bucket, index: number): string {
  return index === 0 ? `${bucket.count} certificates have expired` : `${bucket.count} certificates expire in ${bucket.label}`;
}

export async function expiryPage(main: HTMLElement): Promise<void> {
  const buckets = expiryBuckets(new Date());
  await Promise.all(buckets.map(async (bucket) => {
    bucket.count = await getCount(`${CERTIFICATES}/$count${query({ $filter: bucket.filter })}`);
  }));
  const list = h('section', { 'aria-live': 'polite', 'aria-label': 'Certificates of the chosen bar' });
  const choose = async (bucket: Bucket) => {
    const host = h('div');
    try {
      await showCertificates(host, `${CERTIFICATES}${query({ $select: LIST_PROPERTIES, $filter: bucket.filter, $orderby: 'expirationDateTime', $top: 50, $count: true })}`,
        { caption: bucket.heading });
      clearError();
      list.replaceChildren(h('h2', {}, bucket.heading), ...host.childNodes);
    } catch (err) {
      showError(err);
    }
  };
  main.replaceChildren(h('h1', {}, 'Expiry'),
    h('p', {}, 'Certificates by the month they expire in. Choose a bar to list its certificates.'),
    chart(buckets, choose), list);
}

const WIDTH = 780;
const HEIGHT = 260;
const AXIS = 40;
const TOP = 24;

function chart(buckets: Bucket[], choose: (bucket: Bucket) => Promise<void>): SVGElement {
  const highest = Math.max(1, ...buckets.map((b) => b.count));
  const slot = WIDTH / buckets.length;
  const barWidth = slot * 0.7;
  const plot = HEIGHT - AXIS - TOP;
  const bars = buckets.map((bucket, i) => {
    const height = Math.max(bucket.count ? 2 : 0, (bucket.count / highest) * plot);
    const x = i * slot + (slot - barWidth) / 2;
    const y = TOP + plot - height;
    const activate = () => void choose(bucket);
    // A button in the SVG: focusable, named by its number, chosen by click, Enter or Space.
    return svg('g', {
      role: 'button',
      tabindex: 0,
      class: i === 0 ? 'bar expired' : 'bar',
      'aria-label': barName(bucket, i),
      onclick: activate,
      onkeydown: (event) => {
        const key = (event as KeyboardEvent).key;
        if (key === 'Enter' || key === ' ') {
          event.preventDefault();
          activate();
        }
      },
    },
    // The hit area spans the slot's full height, so a bar of 0 can still be chosen.
    svg('rect', { class: 'hit', x: i * slot, y: TOP, width: slot, height: plot, 'aria-hidden': 'true' }),
    svg('rect', { class: 'fill', x, y, width: barWidth, height, 'aria-hidden': 'true' }),
    svg('text', { x: x + barWidth / 2, y: y - 6, 'text-anchor': 'middle', 'aria-hidden': 'true' }, bucket.count),
    svg('text', { x: x + barWidth / 2, y: HEIGHT - AXIS + 18, 'text-anchor': 'middle', 'aria-hidden': 'true' }, bucket.axis));
  });
  return svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'group', 'aria-label': 'Certificates by expiry month' }, ...bars);
}
