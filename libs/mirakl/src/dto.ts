import { z } from 'zod';
import type { Address, Carrier, MiraklOffer, MiraklOrder, MiraklShop } from './domain.js';

/**
 * Response schemas: only the fields the product reads. Unknown fields are dropped, enums are
 * plain strings (Mirakl adds values), a missing required field fails with its path.
 */

const isoDate = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const optionalString = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);

export const accountDto = z.object({
  shop_id: z.number().int(),
  shop_name: z.string(),
  shop_state: z.string(),
  currency_iso_code: z.string(),
  channels: z.array(z.string()).nullish(),
});

export const offerDto = z.object({
  offer_id: z.number().int(),
  shop_sku: z.string(),
  product_sku: z.string(),
  product_title: optionalString,
  quantity: z.number().int(),
  active: z.boolean(),
  price: z.number().nullish(),
  state_code: optionalString,
});

export const offerPageDto = z.object({ offers: z.array(offerDto), total_count: z.number().int() });

/**
 * An item of an OF54 export file. No transform (ADR 0175): a file's items are taken as they came
 * when they pass, and `exportItemToOffer` reads a missing or null field as absent.
 */
export const exportItemDto = z.object({
  offer_id: z.number().int(),
  shop_sku: z.string(),
  product_sku: z.string(),
  quantity: z.number().int().nullish(),
  active: z.boolean().nullish(),
  deleted: z.boolean().nullish(),
  state_code: z.string().nullish(),
  last_updated: z.string().nullish(),
});
export const exportChunkDto = z.array(exportItemDto);

export const exportStartedDto = z.object({ tracking_id: z.string() });
export const exportStatusDto = z.object({
  status: z.string(),
  urls: z.array(z.string()).nullish(),
  error: z.object({ code: optionalString, detail: optionalString }).nullish(),
});

export const stockImportStartedDto = z.object({
  import_id: z.union([z.string(), z.number()]).transform(String),
});
export const offerImportStartedDto = z.object({ import_id: z.number().int() });
export const importStatusDto = z.object({
  status: z.string(),
  reason_status: optionalString,
  has_error_report: z.boolean(),
  lines_in_success: z.number().int().nullish(),
  lines_in_error: z.number().int().nullish(),
});

const addressDto = z.object({
  firstname: optionalString,
  lastname: z.string(),
  company: optionalString,
  street_1: z.string(),
  street_2: optionalString,
  city: z.string(),
  state: optionalString,
  zip_code: optionalString,
  country: z.string(),
  country_iso_code: z.string(),
  phone: optionalString,
});

const orderLineDto = z.object({
  order_line_id: z.string(),
  order_line_index: z.number().int(),
  order_line_state: z.string(),
  order_line_state_reason_code: optionalString,
  order_line_state_reason_label: optionalString,
  offer_sku: z.string(),
  offer_id: z.number().int(),
  product_sku: z.string(),
  product_title: z.string(),
  quantity: z.number().int(),
  price_unit: z.number(),
  price: z.number(),
  shipping_price: z.number(),
  total_price: z.number(),
});

export const orderDto = z.object({
  order_id: z.string(),
  commercial_id: z.string(),
  order_state: z.string(),
  created_date: isoDate,
  last_updated_date: isoDate,
  shipping_deadline: isoDate.nullish(),
  can_cancel: z.boolean(),
  can_shop_ship: z.boolean(),
  has_incident: z.boolean(),
  currency_iso_code: z.string(),
  total_price: z.number(),
  shipping_type_code: z.string(),
  customer: z.object({
    customer_id: z.string(),
    firstname: z.string(),
    lastname: z.string(),
    shipping_address: addressDto.nullish(),
  }),
  order_lines: z.array(orderLineDto),
  shipping_carrier_code: optionalString,
  shipping_company: optionalString,
  shipping_tracking: optionalString,
  shipping_tracking_url: optionalString,
});

export const orderPageDto = z.object({ orders: z.array(orderDto), total_count: z.number().int() });

export const carriersDto = z.object({
  carriers: z.array(
    z.object({
      code: z.string(),
      label: z.string(),
      standard_code: optionalString,
      tracking_url: optionalString,
    }),
  ),
});

export function toShop(dto: z.infer<typeof accountDto>): MiraklShop {
  return {
    shopId: dto.shop_id,
    name: dto.shop_name,
    state: dto.shop_state,
    currency: dto.currency_iso_code,
    channels: dto.channels ?? [],
  };
}

export function toOffer(dto: z.infer<typeof offerDto>): MiraklOffer {
  return {
    offerId: dto.offer_id,
    shopSku: dto.shop_sku,
    productSku: dto.product_sku,
    title: dto.product_title,
    quantity: dto.quantity,
    active: dto.active,
    price: dto.price ?? undefined,
    stateCode: dto.state_code,
  };
}

export function exportItemToOffer(dto: z.infer<typeof exportItemDto>): MiraklOffer {
  return {
    offerId: dto.offer_id,
    shopSku: dto.shop_sku,
    productSku: dto.product_sku,
    quantity: dto.quantity ?? 0,
    active: dto.active ?? true,
    stateCode: dto.state_code ?? undefined,
    lastUpdated: dateOrUndefined(dto.last_updated),
  };
}

/** A vendor date, or undefined when absent or unreadable (an offer's change time is a hint). */
function dateOrUndefined(raw: string | null | undefined): Date | undefined {
  if (!raw) return undefined;
  const date = new Date(raw);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function toAddress(dto: z.infer<typeof addressDto>): Address {
  return {
    firstName: dto.firstname,
    lastName: dto.lastname,
    company: dto.company,
    street1: dto.street_1,
    street2: dto.street_2,
    city: dto.city,
    state: dto.state,
    zipCode: dto.zip_code,
    country: dto.country,
    countryIso3: dto.country_iso_code,
    phone: dto.phone,
  };
}

export function toOrder(dto: z.infer<typeof orderDto>): MiraklOrder {
  const tracking =
    dto.shipping_carrier_code ||
    dto.shipping_company ||
    dto.shipping_tracking ||
    dto.shipping_tracking_url
      ? {
          carrierCode: dto.shipping_carrier_code,
          carrierName: dto.shipping_company,
          trackingNumber: dto.shipping_tracking,
          trackingUrl: dto.shipping_tracking_url,
        }
      : undefined;
  return {
    orderId: dto.order_id,
    commercialId: dto.commercial_id,
    state: dto.order_state,
    createdAt: dto.created_date,
    lastUpdatedAt: dto.last_updated_date,
    shippingDeadline: dto.shipping_deadline ?? undefined,
    canCancel: dto.can_cancel,
    canShopShip: dto.can_shop_ship,
    hasIncident: dto.has_incident,
    currency: dto.currency_iso_code,
    totalPrice: dto.total_price,
    shippingTypeCode: dto.shipping_type_code,
    customer: {
      customerId: dto.customer.customer_id,
      firstName: dto.customer.firstname,
      lastName: dto.customer.lastname,
    },
    shippingAddress: dto.customer.shipping_address
      ? toAddress(dto.customer.shipping_address)
      : null,
    lines: dto.order_lines.map((l) => ({
      lineId: l.order_line_id,
      index: l.order_line_index,
      state: l.order_line_state,
      stateReasonCode: l.order_line_state_reason_code,
      stateReasonLabel: l.order_line_state_reason_label,
      sku: l.offer_sku,
      offerId: l.offer_id,
      productSku: l.product_sku,
      title: l.product_title,
      quantity: l.quantity,
      unitPrice: l.price_unit,
      price: l.price,
      shippingPrice: l.shipping_price,
      totalPrice: l.total_price,
    })),
    tracking,
  };
}

export function toCarriers(dto: z.infer<typeof carriersDto>): Carrier[] {
  return dto.carriers.map((c) => ({
    code: c.code,
    label: c.label,
    standardCode: c.standard_code,
    trackingUrl: c.tracking_url,
  }));
}
