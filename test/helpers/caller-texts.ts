// A data file whose by-id update takes its key as a parameter, and the action that calls it after an
// authorization check: what the editor tests (language server, tsserver plugin) edit to see a
// finding follow its caller.

/** `cancelOrder(orderId)`: the update on line 4 (1-based); `allOrders` a leak that is always there, line 8. */
export const ORDERS_DATA = `import { pool } from "./db";

export async function cancelOrder(orderId: string) {
  await pool.query("UPDATE orders SET status = 'cancelled' WHERE id = $1", [orderId]);
}

export async function allOrders() {
  return pool.query("SELECT * FROM orders");
}
`;

/** The caller: `assertOrderAccess` on line 4 authorizes the key it then passes on line 5. */
export const ORDERS_ACTION = `import { cancelOrder } from "./orders-data";

export async function cancelAction(user: { id: string }, input: { orderId: string }) {
  await assertOrderAccess(user, input.orderId);
  await cancelOrder(input.orderId);
}
`;

/** The same caller without the check. */
export const UNCHECKED_ORDERS_ACTION = ORDERS_ACTION.replace("  await assertOrderAccess(user, input.orderId);\n", "");
