/** A page of a list (api.md, Lists): `?page=1&pageSize=25`. */
export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}
