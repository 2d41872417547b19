'use strict';

// The legacy Next.js app's mongoose schemas, as described in
// shared/contract/collections.md. They are the reference the Rust backend must
// stay compatible with: same collection names, field names, BSON types and
// defaults. Keep them in step with the contract, not with the Rust code.

const mongoose = require('mongoose');

const { Schema } = mongoose;

// ---------------------------------------------------------------- products
const productSchema = new Schema(
  {
    userId: { type: String, required: true, index: true }, // seller's Clerk id
    name: { type: String, required: true, index: true },
    description: { type: String, required: true },
    price: { type: Number, required: true, index: true },
    offerPrice: { type: Number, default: 0, min: 0 },
    image: { type: [String], required: true }, // image URLs
    category: { type: String, required: true, index: true },
    date: { type: Date, required: true, default: Date.now, index: true },
    inStock: { type: Boolean, default: true, index: true },
    promotion: { type: Boolean, default: false, index: true },
    tags: { type: [String], index: true },
    views: { type: Number, default: 0 },
    sales: { type: Number, default: 0 },
  },
  {
    collection: 'products',
    timestamps: true,
    toJSON: { virtuals: true },
    toObject: { virtuals: true },
  },
);

productSchema.virtual('effectivePrice').get(function effectivePrice() {
  return this.offerPrice > 0 ? this.offerPrice : this.price;
});

productSchema.index({ category: 1, price: 1 });
productSchema.index({ category: 1, inStock: 1 });
productSchema.index({ promotion: 1, date: -1 });
productSchema.index({ userId: 1, date: -1 });
productSchema.index({ name: 'text', description: 'text', tags: 'text' });

// ------------------------------------------------------------------- users
const userSchema = new Schema(
  {
    _id: { type: String, required: true }, // the Clerk user id
    name: { type: String, required: true },
    email: { type: String, required: true, unique: true },
    imageUrl: { type: String, required: true },
    cartItems: { type: Object, default: {} }, // { <productId>: <quantity> }
  },
  {
    collection: 'users',
    minimize: false, // keep `cartItems: {}`
  },
);

// --------------------------------------------------------------- addresses
const addressSchema = new Schema(
  {
    userId: { type: String, required: true },
    fullName: { type: String, required: true },
    phoneNumber: { type: String, required: true },
    pinCode: { type: Number }, // the form sends digits as a string; cast here
    area: { type: String, required: true },
    city: { type: String, required: true },
    state: { type: String, required: true },
  },
  { collection: 'addresses' },
);

// ------------------------------------------------------------------ orders
const orderSchema = new Schema(
  {
    userId: { type: String, required: true, index: true },
    // Each element is a subdocument and gets its own ObjectId `_id`.
    items: [
      {
        product: { type: String, ref: 'Product' }, // product _id as hex
        quantity: { type: Number, min: 1 },
      },
    ],
    amount: { type: Number, required: true, min: 0 }, // PKR, incl. shipping
    address: { type: String, required: true, ref: 'Address' }, // address _id hex
    status: { type: String, required: true, default: 'Order Placed', index: true },
    date: { type: Date, required: true, default: Date.now, index: true },
    courierName: { type: String, default: null },
    courierTrackingNumber: { type: String, default: null },
    courierStatus: { type: String, default: null },
    courierMeta: { type: Object, default: {} },
    paymentMethod: {
      type: String,
      enum: ['cod', 'jazzcash', 'easypaisa', 'paypro'],
      default: 'cod',
    },
    paymentStatus: {
      type: String,
      enum: ['pending', 'completed', 'failed'],
      default: 'pending',
    },
    paymentTxnRef: { type: String, default: null },
    paymentTxnId: { type: String, default: null },
    paymentError: { type: String, default: null },
  },
  {
    collection: 'orders',
    timestamps: true,
  },
);

orderSchema.index({ userId: 1, date: -1 });
orderSchema.index({ status: 1, date: -1 });
orderSchema.index({ paymentStatus: 1, paymentMethod: 1 });
orderSchema.index({ courierTrackingNumber: 1 }, { sparse: true });

// ------------------------------------------------------------- newsletters
const newsletterSchema = new Schema(
  {
    email: { type: String, required: true, unique: true },
    createdAt: { type: Date, default: Date.now },
  },
  { collection: 'newsletters' },
);

// ------------------------------------------------------------------ models
const Product = mongoose.model('Product', productSchema);
const User = mongoose.model('User', userSchema);
const Address = mongoose.model('Address', addressSchema);
const Order = mongoose.model('Order', orderSchema);
const Newsletter = mongoose.model('Newsletter', newsletterSchema);

module.exports = { mongoose, Product, User, Address, Order, Newsletter };
