import type { ProjectionSet } from '@clientele/platform/application';
import { PRODUCTS, ProductsProjection } from './read-models/products.projection';

export const billingProjections: ProjectionSet = {
  name: 'products',
  service: 'billing',
  collections: [PRODUCTS],
  processors: (documents) => [new ProductsProjection(documents)],
};
