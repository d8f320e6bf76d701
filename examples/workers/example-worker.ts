/**
 * A worker for every task type the examples use, with simple, deterministic stand-ins for the
 * real services: `segue run examples/<file>.yaml --worker examples/workers/example-worker.ts`.
 * The module format `--worker` loads (a default export of handlers by task type) is described in
 * the README's "Workers" section.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Input = { [key: string]: any };
export interface TaskContext {
  attempt: number;
}
export type TaskHandler = (input: Input, ctx: TaskContext) => Promise<Json>;

/** An error with a business name, as a real service client would throw it. */
function failure(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Short ids that are the same for the same input, so runs are reproducible. */
function idFor(prefix: string, ...parts: unknown[]): string {
  let hash = 0;
  for (const ch of JSON.stringify(parts)) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `${prefix}-${hash.toString(36).toUpperCase().padStart(6, '0').slice(0, 6)}`;
}

/** The example airline has this many seats left on every flight. */
const SEATS_LEFT = 6;
const THUMBNAIL_FORMATS = ['jpg', 'jpeg', 'png'];

const handlers: Record<string, TaskHandler> = {
  // order-processing
  'inventory.reserve': async ({ orderId, items }) => ({
    reservationId: idFor('RES', orderId),
    items: (items as Input[]).map((item) => ({ sku: item.sku, quantity: item.quantity })),
  }),
  'inventory.release': async ({ reservationId }) => ({ released: reservationId }),
  'payments.charge': async ({ orderId, card, amount }) => {
    if (String(card).startsWith('0000')) throw failure('CardDeclined', `card ending ${String(card).slice(-4)} was declined`);
    return { paymentId: idFor('PAY', orderId), amount };
  },
  'shipping.ship': async ({ orderId }) => ({ trackingNumber: idFor('TRK', orderId) }),
  'email.send': async ({ to, subject }) => ({ sent: true, to, subject }),

  // batch-fanout
  'reports.salesTotals': async ({ date }) => ({ date, orders: 128, revenue: 5230.4 }),
  'reports.stockLevels': async ({ date }) => ({
    date,
    items: [
      { sku: 'BOOK-1', quantity: 42 },
      { sku: 'PEN-1', quantity: 7 },
      { sku: 'LAMP-2', quantity: 3 },
    ],
  }),
  'reports.signupCount': async ({ date }) => ({ date, count: 17 }),
  'reports.publish': async (report) => ({ url: `https://reports.example.com/daily/${report.date}`, ...report }),

  // monitor-loop: the export is done at the third check.
  'exports.status': async ({ jobId, check }) => ({
    state: check >= 3 ? 'done' : 'running',
    file: check >= 3 ? `https://exports.example.com/${jobId}.csv` : null,
  }),

  // human-approval
  'approvals.request': async ({ requestId, approver }) => ({ requestId, sentTo: approver }),
  'purchases.place': async ({ requestId }) => ({ orderNumber: idFor('PO', requestId) }),

  // trip-booking-saga
  'travel.bookHotel': async ({ city, checkIn }) => ({ bookingId: idFor('HTL', city, checkIn) }),
  'travel.cancelHotel': async ({ bookingId }) => ({ cancelled: bookingId }),
  'travel.rentCar': async ({ city, pickUp }) => ({ rentalId: idFor('CAR', city, pickUp) }),
  'travel.returnCar': async ({ rentalId }) => ({ cancelled: rentalId }),
  'travel.bookFlight': async ({ destination, date, seats }) => {
    if (seats > SEATS_LEFT) throw failure('NoSeatsAvailable', `only ${SEATS_LEFT} seats left to ${destination}, ${seats} asked`);
    return { ticket: idFor('FLT', destination, date, seats) };
  },
  'travel.cancelFlight': async ({ ticket }) => ({ cancelled: ticket }),

  // parent-child and shipment
  'warehouse.pack': async ({ items }) => ({
    parcels: [{ weightKg: (items as Input[]).reduce((sum, item) => sum + (item.weightKg ?? 1) * (item.quantity ?? 1), 0) }],
  }),
  'shipping.quote': async ({ parcels }) => {
    const kg = (parcels as Input[]).reduce((sum, parcel) => sum + (parcel.weightKg ?? 1), 0);
    return {
      quotes: [
        { carrier: 'FastPost', price: Math.round((6 + kg * 1.5) * 100) / 100 },
        { carrier: 'CheapShip', price: Math.round((4 + kg * 1.2) * 100) / 100 },
      ],
    };
  },
  'shipping.createLabel': async ({ orderId, carrier }) => ({ trackingNumber: idFor(String(carrier).slice(0, 3).toUpperCase(), orderId) }),

  // eternal-aggregator
  'metrics.publish': async ({ meterId, readings }) => ({ published: `${meterId}@${readings}` }),

  // map-items
  'images.resize': async ({ url, width }) => {
    const format = String(url).split('.').pop()?.toLowerCase() ?? '';
    if (!THUMBNAIL_FORMATS.includes(format)) throw failure('UnsupportedFormat', `cannot make a thumbnail of a .${format} file`);
    return { thumbnailUrl: String(url).replace(/(\.[a-z]+)$/i, `-w${width}$1`) };
  },

  // expense-claim (an ASL state machine): gifts need a receipt nobody keeps.
  'claims.checkReceipt': async ({ claimId, item, amount }) => {
    if (item === 'gift') throw failure('ReceiptMissing', `claim ${claimId}: no receipt for the ${item}`);
    return { item, amount, receipt: idFor('RCT', claimId, item) };
  },
  'claims.askManager': async ({ total }) => ({ manager: Number(total) <= 2000 ? 'manager' : 'director' }),
};

export default handlers;
